// Issue 14's device commands on every chip row, one espsim board per row:
// read_mem of the MAC's eFuse words, chip_id, write_mem / read_mem of a RAM
// word, load_ram of an image that stays in the loader then dump_mem of what
// it put in RAM, write_flash_status / read_flash_status, read_flash_sfdp,
// load_ram of an image that runs, and run. (get_security_info on every row:
// test_chip_matrix.cpp.) The lines are esptool v5.3.1 cmds.py's (read_mem,
// write_mem, dump_mem, load_ram, read_flash_status, write_flash_status,
// read_flash_sfdp, chip_id).
//
// Expected words come from esptool's read_mac, applied by hand to the MAC
// espsim is given (--mac):
// - ESP8266 (targets/esp8266.py read_mac, chip_id): OTP MAC0 0x3FF00050
//   holds the last byte in bits 24-31, MAC1 0x3FF00054 bytes 3 and 4 in
//   bits 8-15 / 0-7, MAC3 0x3FF0005C the OUI in bits 0-23; chip_id is
//   (MAC0 >> 24) | (MAC1 & 0xFFFFFF) << 8.
// - ESP32 (targets/esp32.py read_mac: read_efuse(1), read_efuse(2) at
//   EFUSE_RD_REG_BASE 0x3FF5A000) and every later chip (loader.py read_mac:
//   MAC_EFUSE_REG and the word after, cited per row): the first word is
//   bytes 2-5 big-endian, the second's low half bytes 0-1; esptool has no
//   chip_id for them (loader.py chip_id raises NotSupportedError).
// RAM addresses: inside the row's "IRAM" or "DRAM" (esptool MEMORY_MAP,
// checked against the chip row below) and clear of the flasher stub's text,
// data and bss (esptool-js 0.7.0 stub_flasher/<chip>.json text_start,
// data_start, bss_start), so the stub stays intact under them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <regex>

#include "espbak/chips/chip.hpp"
#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Row {
  const char* chip;
  const char* name;           // esptool's CHIP_NAME
  const char* revision;       // espsim --chip-revision (nullptr: the chip file's part)
  const char* mac;            // espsim --mac
  std::uint32_t mac_reg;      // esptool MAC_EFUSE_REG (ESP32: EFUSE_RD_REG_BASE + 4); 0: the ESP8266's OTP words
  std::uint32_t ram;          // a RAM word for write_mem; the images load at ram + 0x1000 and ram + 0x3000
  bool stub = true;           // espbak has a flasher stub for the chip
};

const Row kRows[] = {
    {"esp8266", "ESP8266", nullptr, "5c:cf:7f:12:34:56", 0, 0x40100000},
    {"esp32", "ESP32", nullptr, "24:0a:c4:ab:cd:ef", 0x3FF5A004, 0x40080000},
    {"esp32s2", "ESP32-S2", nullptr, "80:65:99:ab:cd:ef", 0x3F41A044, 0x40030000},
    {"esp32s3", "ESP32-S3", nullptr, "7c:df:a1:ab:cd:ef", 0x60007044, 0x40390000},
    {"esp32c2", "ESP32-C2", nullptr, "08:3a:8d:ab:cd:ef", 0x60008840, 0x40390000},
    {"esp32c3", "ESP32-C3", nullptr, "84:fc:e6:ab:cd:ef", 0x60008844, 0x40390000},
    {"esp32c5", "ESP32-C5", nullptr, "60:55:f9:ab:12:34", 0x600B4844, 0x40810000},
    {"esp32c6", "ESP32-C6", nullptr, "60:55:f9:ab:cd:ef", 0x600B0844, 0x40810000},
    {"esp32c61", "ESP32-C61", nullptr, "60:55:f9:ab:12:34", 0x600B4844, 0x40820000},
    {"esp32h2", "ESP32-H2", nullptr, "60:55:f9:12:ab:cd", 0x600B0844, 0x40810000},  // ESP32C6ROM's EFUSE_BASE
    {"esp32h21", "ESP32-H21", nullptr, "60:55:f9:34:56:78", 0x600B4044, 0x40810000, false},
    {"esp32h4", "ESP32-H4", nullptr, "60:55:f9:f7:2c:a2", 0x600B1844, 0x40820000},
    {"esp32p4", "ESP32-P4", "1.0", "30:ed:a0:ab:cd:ef", 0x5012D044, 0x4FF20000},
    {"esp32p4", "ESP32-P4", "3.1", "30:ed:a0:12:ab:cd", 0x5012D044, 0x4FF20000},
    {"esp32s31", "ESP32-S31", nullptr, "60:55:f9:ab:cd:ef", 0x20715050, 0x2F030000},
};
constexpr int kRowCount = int(sizeof kRows / sizeof kRows[0]);

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string hex8(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::array<std::uint32_t, 6> mac_bytes(const std::string& mac) {
  std::array<std::uint32_t, 6> b{};
  for (int i = 0; i < 6; ++i) b[i] = std::uint32_t(std::stoul(mac.substr(std::size_t(i) * 3, 2), nullptr, 16));
  return b;
}

void put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(v >> (8 * i)));
}

struct Segment {
  std::uint32_t addr;
  Bytes data;
};

// An image as elf2image writes it (esptool bin_image.py): the common
// header, the extended header with the chip's IMAGE_CHIP_ID (every chip but
// the ESP8266), the segments, the checksum at the end of its 16-byte line.
Bytes image_of(const espbak::ChipInfo& chip, std::uint32_t entry, const std::vector<Segment>& segments) {
  Bytes img = {0xE9, std::uint8_t(segments.size()), 0, 0};
  put32(img, entry);
  if (chip.image.chip_id) {
    Bytes ext(16, 0);
    ext[0] = 0xEE;  // WP pin disabled
    ext[4] = std::uint8_t(*chip.image.chip_id), ext[5] = std::uint8_t(*chip.image.chip_id >> 8);
    img.insert(img.end(), ext.begin(), ext.end());
  }
  std::uint8_t sum = 0xEF;
  for (const auto& s : segments) {
    put32(img, s.addr);
    put32(img, std::uint32_t(s.data.size()));
    img.insert(img.end(), s.data.begin(), s.data.end());
    for (auto b : s.data) sum ^= b;
  }
  img.resize(img.size() + 15 - img.size() % 16, 0);
  img.push_back(sum);
  return img;
}

// The value read_mem prints for `addr` ("0x3ff5a004 = 0xabcdef12", -q).
std::optional<std::uint32_t> read_word(const RunResult& r, std::uint32_t addr) {
  std::smatch m;
  if (!std::regex_search(r.out, m, std::regex("^" + hex8(addr) + " = 0x([0-9a-f]{8})\n"))) return std::nullopt;
  return std::uint32_t(std::stoul(m[1].str(), nullptr, 16));
}

bool in_ram(const espbak::ChipInfo& chip, std::uint32_t from, std::uint32_t to) {
  for (const auto& r : chip.image.memory_map)
    if ((r.name == "IRAM" || r.name == "DRAM") && from >= r.start && to <= r.end) return true;
  return false;
}

}  // namespace

TEST_CASE("every chip: read_mem, chip_id, write_mem, load_ram, dump_mem, the status register, SFDP and run",
          "[chips][matrix][device-cmds]") {
  const Row& row = kRows[GENERATE(range(0, kRowCount))];
  CAPTURE(row.chip, row.revision ? row.revision : "");
  const espbak::ChipInfo* chip = espbak::find_chip(row.chip);
  REQUIRE(chip != nullptr);
  REQUIRE(in_ram(*chip, row.ram, row.ram + 0x3000 + 40));
  TempDir dir;
  SimOptions so;
  so.chip = row.chip;
  so.mac = row.mac;
  so.rfc2217 = true;  // a board: RAM and the running stub outlast a connection (--before/--after no_reset)
  so.extra_args = {"--ram-code", "app"};
  if (row.revision) so.extra_args.insert(so.extra_args.end(), {"--chip-revision", row.revision});
  Sim sim(dir, so);
  auto espbak = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-p", sim.port()});
    return run_espbak(args, 60s);
  };
  // The chip left as the last command left it (its loader, RAM, the stub if
  // it runs): no reset before or after, which also keeps the row fast.
  auto chained = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--before", "no_reset", "--after", "no_reset"});
    return espbak(args);
  };
  const auto mac = mac_bytes(row.mac);

  // The MAC's eFuse words and chip_id, on the ROM.
  if (row.mac_reg == 0) {
    auto mac0 = espbak({"--after", "no_reset", "--no-stub", "-q", "read_mem", "0x3ff00050"});
    auto mac1 = chained({"--no-stub", "-q", "read_mem", "0x3ff00054"});
    auto mac3 = chained({"--no-stub", "-q", "read-mem", "0x3ff0005c"});
    INFO(describe(mac0) << describe(mac1) << describe(mac3) << "\nespsim:\n" << sim.log());
    auto w0 = read_word(mac0, 0x3FF00050), w1 = read_word(mac1, 0x3FF00054), w3 = read_word(mac3, 0x3FF0005C);
    REQUIRE((w0 && w1 && w3));
    CHECK((*w3 & 0xFFFFFF) == (mac[0] << 16 | mac[1] << 8 | mac[2]));
    CHECK(((*w1 >> 8) & 0xFF) == mac[3]);
    CHECK((*w1 & 0xFF) == mac[4]);
    CHECK((*w0 >> 24) == mac[5]);
    auto id = chained({"--no-stub", "-q", "chip_id"});
    INFO(describe(id));
    REQUIRE(id.code == 0);
    CHECK(id.out == "Chip ID: " + hex8((*w0 >> 24) | (*w1 & 0xFFFFFF) << 8) + "\n");
  } else {
    auto lo = espbak({"--after", "no_reset", "--no-stub", "-q", "read_mem", hex8(row.mac_reg)});
    auto hi = chained({"--no-stub", "-q", "read_mem", hex8(row.mac_reg + 4)});
    INFO(describe(lo) << describe(hi) << "\nespsim:\n" << sim.log());
    auto w0 = read_word(lo, row.mac_reg), w1 = read_word(hi, row.mac_reg + 4);
    REQUIRE((w0 && w1));
    CHECK(*w0 == (mac[2] << 24 | mac[3] << 16 | mac[4] << 8 | mac[5]));
    CHECK((*w1 & 0xFFFF) == (mac[0] << 8 | mac[1]));
    // esptool v4.8.1's wording (docs/cli.md "Output"): a warning, then read_mac.
    auto id = chained({"--no-stub", "chip_id"});
    INFO(describe(id));
    REQUIRE(id.code == 0);
    CHECK(contains(id.err, std::string("Warning: ") + row.name + " has no Chip ID. Reading MAC instead.\n"));
    auto q = chained({"--no-stub", "-q", "chip_id"});  // read_mac's lines alone: the MAC, or the EUI-64 (OUI first) and its parts
    INFO(describe(q));
    REQUIRE(q.code == 0);
    CHECK(q.out.rfind("MAC: " + std::string(row.mac).substr(0, 8), 0) == 0);
    CHECK(contains(q.out, std::string(row.mac).substr(9) + "\n"));
  }

  // A RAM word written whole, then half of it under a mask, read back, with
  // the stub (uploaded now, to the ROM still waiting) from here on.
  const std::string ram = hex8(row.ram);
  auto w = chained({"-q", "write_mem", ram, "0x12345678"});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(w.out == "Wrote 0x12345678 with mask 0xffffffff to " + ram + ".\n");
  auto masked = chained({"-q", "write_mem", ram, "0xabcd0000", "0xffff0000"});
  INFO(describe(masked));
  REQUIRE(masked.code == 0);
  CHECK(masked.out == "Wrote 0xabcd0000 with mask 0xffff0000 to " + ram + ".\n");
  auto back = chained({"-q", "read_mem", ram});
  INFO(describe(back));
  CHECK(read_word(back, row.ram) == 0xABCD5678u);

  // load_ram of an image whose entry is 0: MEM_END does not jump, the chip
  // stays in the loader, and dump_mem reads back what MEM_DATA put in RAM
  // (the first segment spans two 0x1800-byte blocks).
  const std::vector<Segment> segs = {{row.ram + 0x1000, random_bytes(0x1800 + 0x40, 21)},
                                     {row.ram + 0x3000, random_bytes(40, 22)}};
  write_file(dir / "stay.bin", image_of(*chip, 0, segs));
  const std::string stay = (dir / "stay.bin").string();
  auto load = chained({"load_ram", stay});
  INFO(describe(load) << "\nespsim:\n" << sim.log());
  REQUIRE(load.code == 0);
  CHECK(contains(load.out, "Loading '" + stay + "' to RAM...\n"));
  CHECK(contains(load.out, "Downloading 6208 bytes at " + hex8(row.ram + 0x1000) + "...\n"));
  CHECK(contains(load.out, "Downloading 40 bytes at " + hex8(row.ram + 0x3000) + "...\n"));
  CHECK(contains(load.out, "Loaded 2 segments from '" + stay + "' to RAM, executing at 0x00000000.\n"));
  CHECK_FALSE(contains(flat(load), "Unexpected chip ID"));
  // 0x80 bytes across the boundary of the two blocks, then the second segment.
  auto dump = chained({"dump_mem", hex8(row.ram + 0x1000 + 0x17C0), "128", (dir / "edge.bin").string()});
  INFO(describe(dump));
  REQUIRE(dump.code == 0);
  CHECK(contains(dump.out, "Dumping 128 bytes from " + hex8(row.ram + 0x27C0) + " to file '"));
  CHECK(contains(dump.out, "Dumped 128 bytes from " + hex8(row.ram + 0x27C0) + " in "));
  CHECK(read_file(dir / "edge.bin") == Bytes(segs[0].data.begin() + 0x17C0, segs[0].data.end()));
  auto dump2 = chained({"dump_mem", hex8(row.ram + 0x3000), "40", (dir / "seg2.bin").string()});
  INFO(describe(dump2));
  REQUIRE(dump2.code == 0);
  CHECK(read_file(dir / "seg2.bin") == segs[1].data);

  // The flash's status register: a non-volatile write with the stub, read
  // back on the ROM after a reset; SFDP on the ROM.
  auto ws = espbak({"--before", "no_reset", "write_flash_status", "--non-volatile", "0x0200"});
  INFO(describe(ws));
  REQUIRE(ws.code == 0);
  CHECK(contains(ws.out, "Initial flash memory status: 0x0000\n"));
  CHECK(contains(ws.out, "Setting flash memory status: 0x0200\n"));
  CHECK(contains(ws.out, "After flash memory status:   0x0200\n"));
  auto rs = espbak({"--after", "no_reset", "--no-stub", "read_flash_status"});
  INFO(describe(rs));
  REQUIRE(rs.code == 0);
  CHECK(contains(rs.out, "Flash memory status: 0x0200\n"));
  auto sfdp = espbak({"--before", "no_reset", "--no-stub", "read_flash_sfdp", "0", "4"});
  INFO(describe(sfdp));
  REQUIRE(sfdp.code == 0);
  CHECK(contains(sfdp.out, "Manufacturer: ef\nDevice: 4016\nDetected flash size: 4MB\n"));
  CHECK(contains(sfdp.out, "Flash memory SFDP[0..3]: 0x53 0x46 0x44 0x50 \n"));

  // load_ram of an image that runs: the loader is gone, nothing answers.
  write_file(dir / "app.bin", image_of(*chip, row.ram + 0x1000, segs));
  const std::string app = (dir / "app.bin").string();
  auto run_app = espbak({"load_ram", app});
  INFO(describe(run_app));
  REQUIRE(run_app.code == 0);
  CHECK(contains(run_app.out, "Loaded 2 segments from '" + app + "' to RAM, executing at " + hex8(row.ram + 0x1000) +
                                  ".\n"));
  CHECK(contains(run_app.out, "Exiting immediately.\n"));
  auto gone = espbak({"--before", "no_reset", "--connect-attempts", "1", "read_mac"});
  INFO(describe(gone));
  CHECK(gone.code == 5);

  // run (a reset into the loader first, as every default connect): the ROM
  // leaves the loader for the flash's application.
  auto run = espbak({"--no-stub", "--after", "no_reset", "run"});
  INFO(describe(run) << "\nespsim:\n" << sim.log());
  REQUIRE(run.code == 0);
  auto gone_again = espbak({"--before", "no_reset", "--connect-attempts", "1", "read_mac"});
  INFO(describe(gone_again));
  CHECK(gone_again.code == 5);
}

TEST_CASE("load_ram over USB-OTG sends 0x800-byte blocks, and warns of an image for another chip",
          "[usb][otg][device-cmds]") {
  for (const char* chip : {"esp32s2", "esp32s3", "esp32p4"})
    for (bool stub : {true, false}) {
      CAPTURE(chip, stub);
      TempDir dir;
      SimOptions so;
      so.chip = chip;
      so.rfc2217 = true;
      so.extra_args = {"--usb-otg"};
      Sim sim(dir, so);
      // RAM clear of each chip's stub (the matrix rows above).
      const std::uint32_t at = std::string(chip) == "esp32s2" ? 0x40031000 : std::string(chip) == "esp32s3" ? 0x40391000 : 0x4FF21000;
      const Bytes data = random_bytes(0x1800 + 0x40, 31);
      // chip id 0 (the ESP32's) in the extended header: esptool warns and loads.
      const espbak::ChipInfo& esp32 = *espbak::find_chip("esp32");
      write_file(dir / "stay.bin", image_of(esp32, 0, {{at, data}}));
      std::vector<std::string> args = {"-p", sim.port(), "--before", "default_reset", "--after", "no_reset"};
      if (!stub) args.push_back("--no-stub");
      args.insert(args.end(), {"load_ram", (dir / "stay.bin").string()});
      auto load = run_espbak(args, 60s);
      INFO(describe(load) << "\nespsim:\n" << sim.log());
      // espsim refuses a RAM block over 0x800 bytes on this path.
      REQUIRE(load.code == 0);
      CHECK(contains(flat(load), "Unexpected chip ID in image. Expected " +
                                     std::to_string(*espbak::find_chip(chip)->image.chip_id) + " but value was 0."));
      auto dump = run_espbak({"-p", sim.port(), "--before", "no_reset", "dump_mem", hex8(at + 0x17C0), "128",
                              (dir / "edge.bin").string()},
                             60s);
      INFO(describe(dump));
      REQUIRE(dump.code == 0);
      CHECK(read_file(dir / "edge.bin") == Bytes(data.begin() + 0x17C0, data.end()));
    }
}
