// What espbak says it did is what it did: erase lines for the parts that
// are erased, rates over the bytes that crossed the wire, one plain line per
// -b auto step, esptool's dots while connecting.
#include <catch2/catch.hpp>

#include <regex>

#include "harness.hpp"

using namespace e2e;

namespace {

RunResult espbak(const Sim& sim, std::vector<std::string> args) {
  std::vector<std::string> full = {"-p", sim.port()};
  full.insert(full.end(), args.begin(), args.end());
  return run_espbak(full, std::chrono::seconds(90));
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("write_flash names only the sectors it erases, and the bytes it skipped apart", "[narrative]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Sim sim(dir, so);
  Bytes image = random_bytes(512 * 1024, 31);
  write_file(dir / "app.bin", image);
  auto first = espbak(sim, {"write_flash", "0x10000", (dir / "app.bin").string()});
  INFO(describe(first));
  REQUIRE(first.code == 0);
  CHECK(count_of(first.out, "Flash will be erased from 0x00010000 to 0x0008ffff...") == 1);

  // Two 64 KB blocks changed: the two are erased and written, no more.
  for (std::size_t i = 0; i < 4096; ++i) {
    image[0x2000 + i] ^= 0x5A;
    image[0x48000 + i] ^= 0xA5;
  }
  write_file(dir / "app.bin", image);
  auto second = espbak(sim, {"write_flash", "0x10000", (dir / "app.bin").string()});
  INFO(describe(second));
  REQUIRE(second.code == 0);
  CHECK(count_of(second.out, "Flash will be erased from") == 2);
  CHECK(second.out.find("Flash will be erased from 0x00010000 to 0x0001ffff...") != std::string::npos);
  CHECK(second.out.find("Flash will be erased from 0x00050000 to 0x0005ffff...") != std::string::npos);
  CHECK(std::regex_search(second.out, std::regex(R"(Skipped 393216 unchanged bytes at 0x00010000 \(compared in [0-9.]+ seconds\); wrote the 131072 bytes that differ\.)")));
  CHECK(std::regex_search(second.out, std::regex(R"(Wrote 131072 bytes( \(\d+ compressed\))? at 0x00010000 in)")));
  CHECK(read_file(sim.flash_file()).size() >= 0x90000);
  Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin() + 0x10000, flash.begin() + 0x90000) == image);

  // Nothing changed: nothing erased, nothing written.
  auto third = espbak(sim, {"write_flash", "0x10000", (dir / "app.bin").string()});
  INFO(describe(third));
  REQUIRE(third.code == 0);
  CHECK(count_of(third.out, "Flash will be erased") == 0);
  CHECK(third.out.find("Skipped all 524288 bytes at 0x00010000: the flash already holds them") != std::string::npos);
  CHECK(third.out.find("Wrote ") == std::string::npos);
}

TEST_CASE("read_flash gives its rate over the bytes transferred when blocks were skipped", "[narrative]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  Bytes flash(4u << 20, 0xFF);
  Bytes data = random_bytes(64 * 1024, 32);
  std::copy(data.begin(), data.end(), flash.begin() + 0x10000);
  write_file(dir / "flash.bin", flash);
  Sim sim(dir, so);
  auto r = espbak(sim, {"read_flash", "0", "0x40000", (dir / "out.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Transferred 65536 bytes; skipped 196608 erased bytes") != std::string::npos);
  CHECK(std::regex_search(
      r.out, std::regex(R"(Read 262144 bytes at 0x00000000 in [0-9.]+ seconds( \(effective [0-9.]+ kbit/s; [0-9.]+ kbit/s over the 65536 bytes transferred\))?\.\.\.)")));

  // All erased: the line says nothing was transferred instead of a rate.
  auto e = espbak(sim, {"read_flash", "0x100000", "0x40000", (dir / "erased.bin").string()});
  INFO(describe(e));
  REQUIRE(e.code == 0);
  CHECK(e.out.find("over the 0 bytes") == std::string::npos);
}

TEST_CASE("baud auto says each rate the bridge cannot carry in one plain line, no warnings", "[narrative]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.pty = true;
  so.extra_args = {"--bridge", "cp2102"};  // 1 Mbaud at most (docs/espsim.md "USB bridges")
  Sim sim(dir, so);
  // (From 0x1000: a partial read from 0 is warned about, docs/manifest.md.)
  auto r = espbak(sim, {"-b", "auto", "read_flash", "0x1000", "0x1000", (dir / "out.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(r.out.find("2000000 baud: not carried by this link, trying 1500000\n") != std::string::npos);
  CHECK(r.out.find("1500000 baud: not carried by this link, trying 921600\n") != std::string::npos);
  CHECK(r.out.find("Using 921600 baud (auto)") != std::string::npos);
  CHECK(r.err.find("Warning") == std::string::npos);
  CHECK(r.out.find("SPI_FLASH_MD5") == std::string::npos);  // the raw reply goes to --trace only
}

TEST_CASE("Connecting prints a dot for each failed SYNC try, on one line", "[narrative]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.extra_args = {"--fault", "drop:1:to-device"};  // nothing reaches the chip
  Sim sim(dir, so);
  auto r = espbak(sim, {"--connect-attempts", "2", "flash_id"});
  INFO(describe(r));
  CHECK(r.code != 0);
  // esptool v5.3.1 loader.py _connect_attempt: five SYNC tries, a '.' after each failure.
  CHECK(r.out.find("Connecting..." + std::string(10, '.') + "\n") != std::string::npos);
  CHECK(line_count(r.err) == 1);
}

TEST_CASE("chip_id on an ESP32 prints esptool v4's lines, the ones scripts grep", "[narrative][chip_id]") {
  // esptool v4.8.1 cmds.py chip_id: the ESP32 family has no chip ID
  // (NotSupportedError), so "Warning: ESP32 has no Chip ID. Reading MAC
  // instead." and read_mac's "MAC: xx:..". esptool v5.3.1 rewords both
  // ("has no chip ID. Reading MAC address instead.", "MAC:" padded to 20
  // columns); espbak keeps v4's (docs/cli.md "Output").
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.mac = "24:0a:c4:01:02:03";
  Sim sim(dir, so);
  auto r = espbak(sim, {"chip_id"});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(r.err == "Warning: ESP32 has no Chip ID. Reading MAC instead.\n");
  // `grep '^MAC: '` finds the connect line and read_mac's, as in v4.
  CHECK(count_of(r.out, "\nMAC: 24:0a:c4:01:02:03\n") == 2);
  CHECK_FALSE(contains(r.out, "Chip ID:"));
  CHECK_FALSE(contains(r.out + r.err, "Reading MAC address instead"));
  // -q leaves the result alone: read_mac's line.
  auto q = espbak(sim, {"-q", "chip_id"});
  INFO(describe(q));
  REQUIRE(q.code == 0);
  CHECK(q.out == "MAC: 24:0a:c4:01:02:03\n");
}
