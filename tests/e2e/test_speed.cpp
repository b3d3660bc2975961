// "Read only what you must" (docs/cli.md): erased-block skipping and
// --diff-with on read_flash, unchanged-block skipping on write_flash, against
// espsim on the instant link. Counts come from the --json fields.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <sstream>
#include <vector>

#include "harness.hpp"

using namespace e2e;

namespace {

constexpr std::uint32_t kBlock = 64 * 1024;
constexpr std::uint32_t kMB = 1024 * 1024;

RunResult espbak(const Sim& sim, std::vector<std::string> args) {
  std::vector<std::string> full = {"-p", sim.port(), "--json"};
  full.insert(full.end(), args.begin(), args.end());
  return run_espbak(full, std::chrono::seconds(90));
}

// The integer after "key": in espbak's --json output (-1 when absent).
long long json_number(const std::string& out, const std::string& key) {
  auto at = out.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(out.substr(at + key.size() + 3));
}

std::string difference(const Bytes& got, const Bytes& want) {
  if (got.size() != want.size()) return "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) return "first difference at offset " + hex_addr(std::uint32_t(i));
  return "";
}

// A "typical board": firmware at the start, a small data partition further
// on, everything else erased.
Bytes typical_flash(std::uint32_t size, std::uint32_t seed) {
  Bytes flash(size, 0xFF);
  Bytes firmware = random_bytes(400 * 1024, seed);
  std::copy(firmware.begin(), firmware.end(), flash.begin());
  Bytes data = random_bytes(12 * 1024, seed + 1);
  std::copy(data.begin(), data.end(), flash.begin() + size / 2 + 0x3000);
  return flash;
}

std::uint64_t erased_blocks(const Bytes& flash) {
  std::uint64_t n = 0;
  for (std::size_t at = 0; at < flash.size(); at += kBlock)
    if (std::all_of(flash.begin() + at, flash.begin() + std::min(flash.size(), at + kBlock),
                    [](std::uint8_t b) { return b == 0xFF; }))
      ++n;
  return n;
}

// The bytes a read with erased-block skipping transfers: of each block that
// is not all 0xFF, everything up to the end of its last non-erased 4 KB
// sector (the erased tail is recognised by sector MD5s).
std::uint64_t bytes_to_transfer(const Bytes& flash) {
  constexpr std::size_t kSector = 4096;
  auto erased = [&](std::size_t from, std::size_t to) {
    return std::all_of(flash.begin() + long(from), flash.begin() + long(to), [](std::uint8_t b) { return b == 0xFF; });
  };
  std::uint64_t n = 0;
  for (std::size_t at = 0; at < flash.size(); at += kBlock) {
    std::size_t keep = std::min<std::size_t>(kBlock, flash.size() - at);
    while (keep > 0 && erased(at + keep - kSector, at + keep)) keep -= kSector;
    n += keep;
  }
  return n;
}

struct Board {
  TempDir dir;
  Bytes flash;
  std::unique_ptr<Sim> sim;
  Board(const std::string& chip, std::uint32_t seed) {
    flash = typical_flash(4 * kMB, seed);
    SimOptions so;
    so.chip = chip;
    so.flash_size = "4MB";
    so.flash_file = (dir / "flash.bin").string();
    write_file(so.flash_file, flash);
    sim = std::make_unique<Sim>(dir, so);
  }
};

}  // namespace

TEST_CASE("read_flash skips erased blocks and still returns the whole flash", "[speed]") {
  const char* chip = GENERATE("esp8266", "esp32");
  CAPTURE(chip);
  Board board(chip, 61);
  const auto out = board.dir / "backup.bin";
  auto r = espbak(*board.sim, {"read_flash", "0", "ALL", out.string()});
  INFO(describe(r) << "\nespsim:\n" << board.sim->log());
  REQUIRE(r.code == 0);
  CHECK(difference(read_file(out), board.flash) == "");
  const auto erased = erased_blocks(board.flash);
  REQUIRE(erased > 0);
  CHECK(json_number(r.out, "blocks_skipped") == static_cast<long long>(erased));
  const auto transferred = bytes_to_transfer(board.flash);
  CHECK(transferred < board.flash.size() - erased * kBlock);  // the erased tails were skipped too
  CHECK(json_number(r.out, "bytes_transferred") == static_cast<long long>(transferred));
  // Without --diff-with nothing is copied, and the summary does not say so.
  CHECK(r.err.find("Transferred " + std::to_string(transferred) + " bytes; skipped " +
                   std::to_string(board.flash.size() - transferred) + " erased bytes\n") != std::string::npos);
}

TEST_CASE("read_flash --no-skip-erased transfers every byte", "[speed]") {
  Board board("esp32", 62);
  const auto out = board.dir / "backup.bin";
  auto r = espbak(*board.sim, {"read_flash", "--no-skip-erased", "0", "ALL", out.string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(difference(read_file(out), board.flash) == "");
  CHECK(json_number(r.out, "blocks_skipped") == 0);
  CHECK(json_number(r.out, "bytes_transferred") == static_cast<long long>(board.flash.size()));
}

// How many SPI_FLASH_MD5 commands espbak sent (its --trace on stderr).
// SPI_FLASH_MD5 requests in the --trace output; `length`: only those of
// that many bytes (the request's second word, after the 8-byte header).
std::size_t md5_commands(const RunResult& r, std::optional<std::uint32_t> length = std::nullopt) {
  std::size_t n = 0;
  const std::string key = "write SPI_FLASH_MD5 (0x13) len 24: ";
  for (std::size_t at = r.err.find(key); at != std::string::npos; at = r.err.find(key, at + 1)) {
    if (length) {
      std::istringstream bytes(r.err.substr(at + key.size(), 16 * 3 * 3));
      std::vector<unsigned> b;
      for (std::string hex; b.size() < 16 && bytes >> hex;) b.push_back(unsigned(std::stoul(hex, nullptr, 16)));
      if (b.size() < 16 || (b[12] | b[13] << 8 | b[14] << 16 | std::uint32_t(b[15]) << 24) != *length) continue;
    }
    ++n;
  }
  return n;
}

// An ESP32 on espsim's realistic link with `latency_ms` per direction,
// its flash file holding `flash` (whose size is the flash size).
SimOptions realistic_esp32(const TempDir& dir, const Bytes& flash, const char* latency_ms) {
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = std::to_string(flash.size() / kMB) + "MB";
  so.flash_file = (dir / "flash.bin").string();
  so.link = "realistic";
  so.extra_args = {"--latency-ms", latency_ms};
  write_file(so.flash_file, flash);
  return so;
}

TEST_CASE("read_flash --diff-with reads only the sectors that changed", "[speed]") {
  const char* chip = GENERATE("esp8266", "esp32");
  CAPTURE(chip);
  Board board(chip, 63);
  const auto first = board.dir / "first.bin";
  REQUIRE(espbak(*board.sim, {"read_flash", "0", "ALL", first.string()}).code == 0);

  // 8 KB changed inside the firmware (one 64 KB block), through the chip.
  Bytes patch = random_bytes(8 * 1024, 64);
  write_file(board.dir / "patch.bin", patch);
  REQUIRE(espbak(*board.sim, {"write_flash", "0x21000", (board.dir / "patch.bin").string()}).code == 0);
  const Bytes now = read_file(board.sim->flash_file());
  REQUIRE(difference(now, board.flash) != "");

  SECTION("old image of the same size") {
    const auto second = board.dir / "second.bin";
    auto r = espbak(*board.sim, {"read_flash", "--diff-with", first.string(), "0", "ALL", second.string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(difference(read_file(second), now) == "");
    // The changed 64 KB block is hashed again by 4 KB sector: only the two
    // sectors that changed cross the wire.
    CHECK(json_number(r.out, "bytes_transferred") == 8 * 1024);
    CHECK(json_number(r.out, "blocks_read") == 1);
    CHECK(json_number(r.out, "blocks_copied") > 0);
  }
  SECTION("a block rewritten wholesale is read whole after a few differing sectors") {
    write_file(board.dir / "block.bin", random_bytes(kBlock, 66));
    REQUIRE(espbak(*board.sim, {"write_flash", "0x30000", (board.dir / "block.bin").string()}).code == 0);
    const Bytes later = read_file(board.sim->flash_file());
    const auto second = board.dir / "second.bin";
    auto r = espbak(*board.sim, {"--trace", "-b", "115200", "read_flash", "--diff-with", first.string(), "0", "ALL", second.string()});
    INFO(describe(r).substr(0, 4000));
    REQUIRE(r.code == 0);
    CHECK(difference(read_file(second), later) == "");
    CHECK(json_number(r.out, "bytes_transferred") == 8 * 1024 + kBlock);
    CHECK(json_number(r.out, "blocks_read") == 2);
    // 4 KB MD5s: the two round-trip probes, 16 sectors of the NVS-like
    // change and 3 of the rewritten block before giving up on it (-b 115200:
    // no baud probe). The unchanged flash around them is hashed in growing
    // spans (SurveyPace), so fewer requests than the 64 blocks of 64 KB.
    CHECK(md5_commands(r, 0x1000) == 2 + 16 + 3);
    CHECK(md5_commands(r) < 2 + 64 + 16 + 3);
  }
  SECTION("old image shorter than the read: the missing blocks are read") {
    Bytes old = read_file(first);
    old.resize(kMB + 100);
    write_file(board.dir / "short.bin", old);
    const auto second = board.dir / "second.bin";
    auto r = espbak(*board.sim,
                    {"read_flash", "--no-skip-erased", "--diff-with", (board.dir / "short.bin").string(), "0", "ALL",
                     second.string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(difference(read_file(second), now) == "");
    // Past 1 MB everything is read; below it, only the changed sectors.
    CHECK(json_number(r.out, "bytes_transferred") == static_cast<long long>(now.size() - kMB + 8 * 1024));
  }
  SECTION("a directory of backups: the newest one of the right size is used") {
    fs::create_directory(board.dir / "backups");
    fs::copy_file(first, board.dir / "backups" / "monday.bin");
    write_file(board.dir / "backups" / "small.bin", random_bytes(4096, 65));  // newer, wrong size
    const auto second = board.dir / "second.bin";
    auto r = espbak(*board.sim,
                    {"read_flash", "--diff-with", (board.dir / "backups").string(), "0", "ALL", second.string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(difference(read_file(second), now) == "");
    CHECK(r.out.find("monday.bin") != std::string::npos);
    CHECK(json_number(r.out, "bytes_transferred") == 8 * 1024);
  }
}

TEST_CASE("on a slow link the survey asks for 256 KB blocks first and the backup is exact", "[speed]") {
  TempDir dir;
  Bytes flash = typical_flash(4 * kMB, 67);
  // 30 ms: a round trip (60 ms) costs more than hashing 64 KB (~21 ms).
  const SimOptions so = realistic_esp32(dir, flash, "30");
  Sim sim(dir, so);
  // The old image differs from the chip in 8 KB at 0x21000.
  Bytes old(flash.begin(), flash.begin() + kMB);
  Bytes patch = random_bytes(8 * 1024, 68);
  std::copy(patch.begin(), patch.end(), old.begin() + 0x21000);
  write_file(dir / "old.bin", old);
  const auto out = dir / "backup.bin";
  auto r = espbak(sim, {"--trace", "-b", "2000000", "read_flash", "--diff-with", (dir / "old.bin").string(), "0",
                        "0x100000", out.string()});
  INFO(describe(r).substr(0, 4000));
  REQUIRE(r.code == 0);
  CHECK(difference(read_file(out), Bytes(flash.begin(), flash.begin() + kMB)) == "");
  // Fine: 2 probes + 16 blocks + sectors. Coarse: 2 probes, the first 256 KB
  // in 64 KB blocks (one differs: a few sector MD5s until sector hashing
  // proves too slow at this latency), then 3 blocks of 256 KB.
  CHECK(md5_commands(r) <= 2 + 4 + 3 + 3);
  CHECK(json_number(r.out, "blocks_read") == 1);
  CHECK(json_number(r.out, "blocks_copied") + json_number(r.out, "blocks_skipped") == 15);  // the rest: unchanged or erased
}

TEST_CASE("on a slow link a fully used flash is surveyed in 256 KB blocks, refined again before erased flash",
          "[speed]") {
  TempDir dir;
  // Used (random) up to 0x110000, erased from there: the 256 KB block at
  // 0x100000 ends in three erased 64 KB blocks.
  constexpr std::uint32_t kUsed = 0x110000, kSize = 0x180000;
  Bytes flash(2 * kMB, 0xFF);
  Bytes used = random_bytes(kUsed, 72);
  std::copy(used.begin(), used.end(), flash.begin());
  const SimOptions so = realistic_esp32(dir, flash, "30");
  Sim sim(dir, so);
  const auto out = dir / "backup.bin";
  auto r = espbak(sim, {"--trace", "-b", "2000000", "read_flash", "0", hex_addr(kSize), out.string()});
  INFO(describe(r).substr(0, 4000));
  REQUIRE(r.code == 0);
  CHECK(difference(read_file(out), Bytes(flash.begin(), flash.begin() + kSize)) == "");
  // The erased 64 KB blocks inside the whole-planned block at 0x100000 are
  // found once the erased block at 0x140000 is seen, and not read.
  CHECK(json_number(r.out, "bytes_transferred") == kUsed);
  CHECK(json_number(r.out, "blocks_skipped") == 3 + 4);
  CHECK(json_number(r.out, "blocks_read") == kUsed / kBlock);
  // 2 probes + the first 64 KB block + 3 up to 0x40000; 256 KB blocks at
  // 0x40000 and 0x80000 refined in vain (1 + 4 each); 0xC0000 and 0x100000
  // planned whole (1 each); 0x140000 erased (1), then 0x100000 refined (4);
  // at most a few sector MD5s (erased tails) until they prove too slow.
  // Refining every used block would take 8 more.
  CHECK(md5_commands(r) <= 2 + 1 + 3 + 5 + 5 + 1 + 1 + 1 + 4 + 2);
}

TEST_CASE("write_flash writes only the blocks that differ", "[speed]") {
  const char* chip = GENERATE("esp8266", "esp32");
  CAPTURE(chip);
  Board board(chip, 66);
  Bytes image = random_bytes(kMB, 67);
  write_file(board.dir / "image.bin", image);
  // 0x1800: the region starts and ends off a sector boundary.
  const std::uint32_t address = 0x101800;
  auto first = espbak(*board.sim, {"write_flash", hex_addr(address), (board.dir / "image.bin").string()});
  INFO(describe(first));
  REQUIRE(first.code == 0);
  CHECK(json_number(first.out, "bytes_written") == static_cast<long long>(image.size()));

  SECTION("unchanged image: nothing written, still verified") {
    auto r = espbak(*board.sim, {"write_flash", hex_addr(address), (board.dir / "image.bin").string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(json_number(r.out, "bytes_written") == 0);
    CHECK(r.out.find("\"verified\":true") != std::string::npos);
  }
  SECTION("a few bytes changed, at both edges too: only their blocks are written") {
    image[0] ^= 0x5A;                    // first (partial) block
    image[0x30000] ^= 0x5A;              // a middle block
    image[image.size() - 1] ^= 0x5A;     // last (partial) block
    write_file(board.dir / "image.bin", image);
    auto r = espbak(*board.sim, {"write_flash", hex_addr(address), (board.dir / "image.bin").string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    const long long written = json_number(r.out, "bytes_written");
    CHECK(written > 0);
    CHECK(written <= 3 * kBlock);
    Bytes flash = read_file(board.sim->flash_file());
    CHECK(difference(Bytes(flash.begin() + address, flash.begin() + address + image.size()), image) == "");
  }
  SECTION("--no-diff writes everything") {
    auto r = espbak(*board.sim, {"write_flash", "--no-diff", hex_addr(address), (board.dir / "image.bin").string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(json_number(r.out, "bytes_written") == static_cast<long long>(image.size()));
  }
}

TEST_CASE("write_flash compares 64 KB blocks on a fast link and 256 KB blocks first on a slow one", "[speed]") {
  struct Case {
    const char* latency_ms;
    std::size_t unchanged_md5s;  // MD5 commands for an image the flash already holds
    std::size_t changed_md5s;    // ... for one where a 64 KB block differs
  };
  // The region is 0x40000..0xC0000. 1 ms: a round trip (~2 ms) costs less
  // than hashing 64 KB (~21 ms): 2 probes + 8 blocks (the block MD5s are the
  // final check), one changed: the same + the region's MD5 after writing.
  // 30 ms: 2 probes + 64 KB blocks up to 0x80000 (4) + one 256 KB block;
  // with the change in that one: + its 4 blocks + the region's MD5.
  const Case c = GENERATE(Case{"1", 2 + 8, 2 + 8 + 1}, Case{"30", 2 + 4 + 1, 2 + 4 + 1 + 4 + 1});
  CAPTURE(c.latency_ms);
  TempDir dir;
  Bytes flash = random_bytes(kMB, 71);
  const SimOptions so = realistic_esp32(dir, flash, c.latency_ms);
  Sim sim(dir, so);
  const std::uint32_t address = 0x40000, size = 8 * kBlock;
  Bytes image(flash.begin() + address, flash.begin() + address + size);
  write_file(dir / "image.bin", image);
  auto r = espbak(sim, {"--trace", "-b", "2000000", "write_flash", hex_addr(address), (dir / "image.bin").string()});
  INFO(describe(r).substr(0, 4000));
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "bytes_written") == 0);
  CHECK(md5_commands(r) == c.unchanged_md5s);

  image[5 * kBlock + 5] ^= 0xA5;  // flash 0x90000, in the second 256 KB block
  write_file(dir / "image.bin", image);
  r = espbak(sim, {"--trace", "-b", "2000000", "write_flash", hex_addr(address), (dir / "image.bin").string()});
  INFO(describe(r).substr(0, 4000));
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "bytes_written") == kBlock);
  CHECK(md5_commands(r) == c.changed_md5s);
  Bytes now = read_file(so.flash_file);
  CHECK(difference(Bytes(now.begin() + address, now.begin() + address + size), image) == "");
}

TEST_CASE("on a slow link write_flash stops comparing 64 KB blocks of an image that differs everywhere", "[speed]") {
  TempDir dir;
  Bytes flash = random_bytes(2 * kMB, 73);
  const SimOptions so = realistic_esp32(dir, flash, "30");
  Sim sim(dir, so);
  // The image (0x30000..0x180000) differs from the flash up to 0x130000.
  const std::uint32_t address = 0x30000, changed_end = 0x130000;
  Bytes image(flash.begin() + address, flash.begin() + 0x180000);
  Bytes fresh = random_bytes(changed_end - address, 74);
  std::copy(fresh.begin(), fresh.end(), image.begin());
  write_file(dir / "image.bin", image);
  auto r = espbak(sim, {"--trace", "-b", "2000000", "write_flash", hex_addr(address), (dir / "image.bin").string()});
  INFO(describe(r).substr(0, 4000));
  REQUIRE(r.code == 0);
  CHECK(json_number(r.out, "bytes_written") == changed_end - address);
  // 2 probes + the first 64 KB block; 256 KB blocks at 0x40000 and 0x80000
  // compared again in vain (1 + 4 each); 0xC0000 and 0x100000 planned whole
  // (1 each); 0x140000 unchanged (1), then 0x100000 compared by 64 KB
  // blocks (4); the region's MD5 after writing. Comparing every differing
  // 256 KB block by 64 KB blocks would take 4 more.
  CHECK(md5_commands(r) == 2 + 1 + 5 + 5 + 1 + 1 + 1 + 4 + 1);
  Bytes now = read_file(so.flash_file);
  CHECK(difference(Bytes(now.begin() + address, now.begin() + 0x180000), image) == "");
}

TEST_CASE("baud auto settles at a rate the bridge carries and the backup is exact", "[speed]") {
  struct Case {
    const char* bridge;
    long long max_baud;  // docs/espsim.md "USB bridges"
  };
  const Case c = GENERATE(Case{"cp2102", 1'000'000}, Case{"ch340", 2'000'000});
  CAPTURE(c.bridge);
  TempDir dir;
  Bytes flash = typical_flash(4 * kMB, 70);
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  so.flash_file = (dir / "flash.bin").string();
  so.extra_args = {"--bridge", c.bridge};
  write_file(so.flash_file, flash);
  Sim sim(dir, so);
  const auto out = dir / "backup.bin";
  auto r = espbak(sim, {"-b", "auto", "read_flash", "0", "0x80000", out.string()});
  INFO(describe(r) << "\nespsim:\n" << sim.log());
  REQUIRE(r.code == 0);
  const long long baud = json_number(r.out, "baud");
  CHECK(baud > 115200);
  CHECK(baud <= c.max_baud);
  CHECK(r.err.find("Using " + std::to_string(baud) + " baud (auto)") != std::string::npos);
  CHECK(difference(read_file(out), Bytes(flash.begin(), flash.begin() + 0x80000)) == "");
}

TEST_CASE("without -b, read_flash and write_flash pick the rate, other commands and no_reset runs keep 115200",
          "[speed]") {
  TempDir dir;
  Bytes flash = typical_flash(4 * kMB, 71);
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  so.flash_file = (dir / "flash.bin").string();
  so.extra_args = {"--bridge", "cp2102"};  // fails above 1 Mbaud: the default must step down
  write_file(so.flash_file, flash);
  Sim sim(dir, so);
  const auto out = dir / "backup.bin";

  SECTION("read_flash") {
    auto r = espbak(sim, {"read_flash", "0", "0x40000", out.string()});
    INFO(describe(r) << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    const long long baud = json_number(r.out, "baud");
    CHECK(baud > 115200);
    CHECK(baud <= 1'000'000);
    CHECK(r.err.find("Using " + std::to_string(baud) + " baud (auto)") != std::string::npos);
    CHECK(difference(read_file(out), Bytes(flash.begin(), flash.begin() + 0x40000)) == "");
  }
  SECTION("write_flash") {
    const auto image = dir / "image.bin";
    write_file(image.string(), random_bytes(0x9000, 72));
    auto r = espbak(sim, {"write_flash", "0x10000", image.string()});
    INFO(describe(r) << "\nespsim:\n" << sim.log());
    REQUIRE(r.code == 0);
    CHECK(json_number(r.out, "baud") > 115200);
    CHECK(r.err.find("baud (auto)") != std::string::npos);
  }
  auto stays_at_115200 = [&](const std::vector<std::string>& args) {
    auto r = espbak(sim, args);
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(r.err.find("(auto") == std::string::npos);
    CHECK(r.err.find("Changing baud rate") == std::string::npos);
  };
  SECTION("flash_id stays at 115200") { stays_at_115200({"flash_id"}); }
  SECTION("--after no_reset keeps 115200 for the next run") {
    stays_at_115200({"--after", "no_reset", "read_flash", "0", "0x10000", out.string()});
  }
  SECTION("an explicit rate is honoured") {
    auto r = espbak(sim, {"-b", "460800", "read_flash", "0", "0x10000", out.string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(r.err.find("(auto") == std::string::npos);
    CHECK(r.err.find("Changing baud rate to 460800") != std::string::npos);
  }
}
