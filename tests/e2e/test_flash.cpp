// write_flash / read_flash / erase / verify against espsim's flash file.
#include <catch2/catch.hpp>

#include <signal.h>
#include <thread>

#include "harness.hpp"

using namespace e2e;

namespace {

constexpr std::uint32_t kMB = 1024 * 1024;

RunResult espbak(const Sim& sim, std::vector<std::string> args, bool no_stub = false,
                 std::chrono::milliseconds timeout = std::chrono::seconds(90)) {
  std::vector<std::string> full = {"-p", sim.port()};
  if (no_stub) full.push_back("--no-stub");
  full.insert(full.end(), args.begin(), args.end());
  return run_espbak(full, timeout);
}

// Compares without letting Catch print megabytes: a description of the first
// difference, or "" when equal.
std::string difference(const Bytes& got, const Bytes& want) {
  if (got.size() != want.size())
    return "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) return "first difference at offset " + hex_addr(std::uint32_t(i));
  return "";
}

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// Arguments of a whole-flash backup that streams every block (no erased
// blocks skipped), so the link can be cut while data is flowing.
std::vector<std::string> streaming_backup_args(const Sim& sim, const fs::path& out) {
  return {"-p", sim.port(), "read_flash", "--no-skip-erased", "0", "ALL", out.string()};
}

// Returns once the read has started writing its partial file.
void wait_for_part_file(Process& p, const fs::path& out) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (temporary_files(out).empty() && p.running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE_FALSE(temporary_files(out).empty());
}

}  // namespace

TEST_CASE("write_flash then read_flash ALL round-trips a 4 MB image (stub)", "[flash]") {
  const char* chip = GENERATE("esp8266", "esp32");
  CAPTURE(chip);
  TempDir dir;
  SimOptions so;
  so.chip = chip;
  so.flash_size = "4MB";
  Sim sim(dir, so);

  Bytes image = random_bytes(4 * kMB, 0xC0FFEE);
  write_file(dir / "image.bin", image);
  auto w = espbak(sim, {"write_flash", "0", (dir / "image.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(w.out.find("Hash of data verified.") != std::string::npos);
  CHECK(w.out.find("Wrote 4194304 bytes") != std::string::npos);
  CHECK(difference(read_file(sim.flash_file()), image) == "");

  auto r = espbak(sim, {"read_flash", "0", "ALL", (dir / "back.bin").string()});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Read 4194304 bytes at 0x00000000") != std::string::npos);
  CHECK(temporary_files(dir / "back.bin").empty());
  CHECK(difference(read_file(dir / "back.bin"), image) == "");
}

TEST_CASE("compressible data goes compressed and lands intact", "[flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "2MB";
  Sim sim(dir, so);
  // Mostly erased bytes with random islands: zlib shrinks it a lot.
  Bytes data(512 * 1024, 0xFF);
  Bytes noise = random_bytes(4096, 3);
  for (std::size_t at = 0; at + noise.size() <= data.size(); at += 64 * 1024)
    std::copy(noise.begin(), noise.end(), data.begin() + std::ptrdiff_t(at));
  write_file(dir / "c.bin", data);
  auto w = espbak(sim, {"write-flash", "0x100000", (dir / "c.bin").string()});
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(w.out.find("compressed) at 0x00100000") != std::string::npos);
  Bytes flash = read_file(sim.flash_file());
  CHECK(difference(Bytes(flash.begin() + 0x100000, flash.begin() + 0x100000 + std::ptrdiff_t(data.size())), data) == "");

  // -u sends the same bytes uncompressed.
  auto u = espbak(sim, {"write_flash", "-u", "0x100000", (dir / "c.bin").string()});
  INFO(describe(u));
  REQUIRE(u.code == 0);
  CHECK(u.out.find("compressed)") == std::string::npos);
}

TEST_CASE("an ESP32 bootloader image at 0x1000 gets the requested flash mode", "[flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  Sim sim(dir, so);
  // Header (dio, 4MB/40m), extended header without digest, one 32-byte
  // segment, padding and checksum byte: a minimal valid image.
  Bytes img = {0xE9, 1, 0x02, 0x20, 0x00, 0x00, 0x08, 0x40};
  img.resize(24, 0);
  Bytes seg_header = {0x00, 0x00, 0xFB, 0x3F, 32, 0, 0, 0};
  img.insert(img.end(), seg_header.begin(), seg_header.end());
  Bytes seg = random_bytes(32, 11);
  img.insert(img.end(), seg.begin(), seg.end());
  while (img.size() % 16 != 15) img.push_back(0);
  img.push_back(0xEF);
  write_file(dir / "boot.bin", img);
  auto w = espbak(sim, {"write_flash", "--flash_mode", "qio", "--flash-freq", "80m", "0x1000",
                        (dir / "boot.bin").string()});
  INFO(describe(w));
  REQUIRE(w.code == 0);
  CHECK(w.out.find("Flash params set to 0x002f") != std::string::npos);
  Bytes flash = read_file(sim.flash_file());
  Bytes expected = img;
  expected[2] = 0x00;  // qio
  expected[3] = 0x2F;  // 4MB (kept) | 80m
  CHECK(difference(Bytes(flash.begin() + 0x1000, flash.begin() + 0x1000 + std::ptrdiff_t(img.size())), expected) == "");
  // verify_flash applies the same patch, so the original file verifies.
  auto v = espbak(sim, {"verify_flash", "--flash_mode", "qio", "--flash_freq", "80m", "0x1000",
                        (dir / "boot.bin").string()});
  INFO(describe(v));
  CHECK(v.code == 0);
}

TEST_CASE("ESP32 ROM (--no-stub) writes and reads a 64 KB region", "[flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  Sim sim(dir, so);

  const std::uint32_t at = 0x10000, size = 64 * 1024;
  Bytes data = random_bytes(size, 42);
  write_file(dir / "part.bin", data);
  auto w = espbak(sim, {"write_flash", hex_addr(at), (dir / "part.bin").string()}, true);
  INFO(describe(w) << "\nespsim:\n" << sim.log());
  REQUIRE(w.code == 0);
  CHECK(w.out.find("Hash of data verified.") != std::string::npos);
  Bytes flash = read_file(sim.flash_file());
  REQUIRE(flash.size() == 4 * kMB);
  CHECK(difference(Bytes(flash.begin() + at, flash.begin() + at + size), data) == "");

  auto r = espbak(sim, {"read_flash", hex_addr(at), "64k", (dir / "back.bin").string()}, true);
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(difference(read_file(dir / "back.bin"), data) == "");
  CHECK(temporary_files(dir / "back.bin").empty());
}

TEST_CASE("ESP8266 ROM cannot read flash: clear error, no file", "[flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  Sim sim(dir, so);
  auto r = espbak(sim, {"read_flash", "0", "0x1000", (dir / "out.bin").string()}, true);
  INFO(describe(r));
  CHECK(r.code == 9);
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.find("--no-stub") != std::string::npos);
  CHECK_FALSE(file_exists(dir / "out.bin"));
  CHECK(temporary_files(dir / "out.bin").empty());
}

TEST_CASE("read_flash refuses a region past the end before reading", "[flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  auto too_big = espbak(sim, {"read_flash", "0", "2M", (dir / "out.bin").string()});
  INFO(describe(too_big));
  CHECK(too_big.code == 3);
  CHECK(line_count(too_big.err) == 1);
  auto past_end = espbak(sim, {"read_flash", "0xF0000", "0x20000", (dir / "out.bin").string()});
  INFO(describe(past_end));
  CHECK(past_end.code == 3);
  CHECK(line_count(past_end.err) == 1);
  CHECK_FALSE(file_exists(dir / "out.bin"));
  CHECK(temporary_files(dir / "out.bin").empty());
  // A missing output directory is refused before the port is opened.
  auto no_dir = run_espbak({"-p", "socket://127.0.0.1:1", "read_flash", "0", "ALL", (dir / "nope/out.bin").string()});
  INFO(describe(no_dir));
  CHECK(no_dir.code == 3);
}

TEST_CASE("erase_flash leaves the flash all 0xFF and erase_region erases just its sectors", "[flash]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  Bytes data = random_bytes(64 * 1024, 7);
  write_file(dir / "d.bin", data);
  REQUIRE(espbak(sim, {"write_flash", "0", (dir / "d.bin").string()}).code == 0);

  SECTION("erase_region") {
    auto r = espbak(sim, {"erase-region", "0x4000", "0x2000"});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    Bytes flash = read_file(sim.flash_file());
    Bytes expected = data;
    std::fill(expected.begin() + 0x4000, expected.begin() + 0x6000, 0xFF);
    CHECK(difference(Bytes(flash.begin(), flash.begin() + 64 * 1024), expected) == "");
  }
  SECTION("erase_flash") {
    auto r = espbak(sim, {"erase_flash"});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK(difference(read_file(sim.flash_file()), Bytes(kMB, 0xFF)) == "");
  }
  SECTION("erase_flash in the ROM is refused with a hint") {
    auto r = espbak(sim, {"erase_flash"}, true);
    INFO(describe(r));
    CHECK(r.code == 9);
    CHECK(r.err.find("--no-stub") != std::string::npos);
    Bytes flash = read_file(sim.flash_file());
    CHECK(difference(Bytes(flash.begin(), flash.begin() + 64 * 1024), data) == "");
  }
}

TEST_CASE("erase_region refuses bad arguments", "[flash]") {
  // Unaligned: refused before connecting (the port does not even exist).
  for (auto args : {std::vector<std::string>{"0x100", "0x1000"}, std::vector<std::string>{"0x1000", "100"}}) {
    auto r = run_espbak({"-p", "socket://127.0.0.1:1", "erase_region", args[0], args[1]});
    INFO(describe(r));
    CHECK(r.code == 3);
    CHECK(line_count(r.err) == 1);
    CHECK(r.err.find("multiple of 4096") != std::string::npos);
  }
  // Out of range: refused before any erase command reaches the chip.
  TempDir dir;
  Bytes before = random_bytes(kMB, 99);
  write_file(dir / "flash.bin", before);
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  auto r = espbak(sim, {"erase_region", "0xF0000", "0x20000"});
  INFO(describe(r));
  CHECK(r.code == 3);
  CHECK(line_count(r.err) == 1);
  CHECK(difference(read_file(sim.flash_file()), before) == "");
}

TEST_CASE("verify_flash detects one flipped byte", "[flash]") {
  const bool no_stub = GENERATE(false, true);
  CAPTURE(no_stub);
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "2MB";
  Sim sim(dir, so);
  const std::uint32_t at = 0x20000;
  Bytes data = random_bytes(32 * 1024, 1234);
  write_file(dir / "good.bin", data);
  REQUIRE(espbak(sim, {"write_flash", hex_addr(at), (dir / "good.bin").string()}, no_stub).code == 0);

  auto ok = espbak(sim, {"verify_flash", hex_addr(at), (dir / "good.bin").string()}, no_stub);
  INFO(describe(ok));
  CHECK(ok.code == 0);
  CHECK(ok.out.find("-- verify OK (digest matched)") != std::string::npos);

  const std::uint32_t flip_at = 0x1234;
  Bytes bad = data;
  bad[flip_at] ^= 0x5A;
  write_file(dir / "bad.bin", bad);
  auto failed = espbak(sim, {"verify-flash", hex_addr(at), (dir / "bad.bin").string()}, no_stub);
  INFO(describe(failed));
  CHECK(failed.code == 8);
  CHECK(failed.out.find("-- verify FAILED (digest mismatch)") != std::string::npos);

  auto diff = espbak(sim, {"verify_flash", "--diff", "yes", hex_addr(at), (dir / "bad.bin").string()}, no_stub);
  INFO(describe(diff));
  CHECK(diff.code == 8);
  char line[64];
  std::snprintf(line, sizeof line, "   %08x %02x %02x\n", at + flip_at, data[flip_at], bad[flip_at]);
  CHECK(diff.out.find(line) != std::string::npos);
  CHECK(diff.out.find("1 differences") != std::string::npos);
}

TEST_CASE("write_flash refuses before writing anything", "[flash]") {
  TempDir dir;
  Bytes before = random_bytes(kMB, 5);
  write_file(dir / "flash.bin", before);
  write_file(dir / "a.bin", random_bytes(64 * 1024, 6));
  write_file(dir / "b.bin", random_bytes(8 * 1024, 8));
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "1MB";
  Sim sim(dir, so);
  const std::string a = (dir / "a.bin").string(), b = (dir / "b.bin").string();

  SECTION("region past the end of the flash") {
    auto r = espbak(sim, {"write_flash", "0", b, "0xF8000", a});
    INFO(describe(r));
    CHECK(r.code == 3);
    CHECK(r.err.find("will not fit") != std::string::npos);
  }
  SECTION("overlapping regions") {
    auto r = espbak(sim, {"write_flash", "0", a, "0x8000", b});
    INFO(describe(r));
    CHECK(r.code == 3);
    CHECK(r.err.find("overlap") != std::string::npos);
  }
  SECTION("missing file") {
    auto r = espbak(sim, {"write_flash", "0", b, "0x20000", (dir / "missing.bin").string()});
    INFO(describe(r));
    CHECK(r.code == 3);
    CHECK(r.err.find("missing.bin") != std::string::npos);
  }
  SECTION("--flash_size smaller than the regions") {
    auto r = espbak(sim, {"write_flash", "--flash-size", "512KB", "0x78000", a});
    INFO(describe(r));
    CHECK(r.code == 3);
  }
  CHECK(difference(read_file(sim.flash_file()), before) == "");
}

TEST_CASE("a read whose link dies leaves no file behind", "[flash][slow]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "4MB";
  so.link = "realistic";
  Sim sim(dir, so);
  const fs::path out = dir / "dump.bin";
  Process p(ESPBAK_BIN, streaming_backup_args(sim, out));
  // Wait until the read has started, then pull the plug.
  wait_for_part_file(p, out);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto killed_at = std::chrono::steady_clock::now();
  sim.kill();
  auto code = p.wait(std::chrono::seconds(15));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  INFO("stdout:\n" << p.out << "\nstderr:\n" << p.err);
  REQUIRE(code.has_value());
  CHECK(*code != 0);
  CHECK(took < 15.0);
  // One error line, the last; before it a warning per recovery attempt
  // (docs/exit-codes.md "Retries").
  auto error_at = p.err.find("espbak: error: ");
  CHECK(error_at != std::string::npos);
  CHECK(p.err.find("espbak: error: ", error_at + 1) == std::string::npos);
  CHECK(line_count(p.err.substr(error_at)) == 1);
  CHECK_FALSE(file_exists(out));
  CHECK(temporary_files(out).empty());
}

TEST_CASE("SIGTERM during a read removes the partial file", "[flash][slow]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.flash_size = "4MB";
  so.link = "realistic";
  Sim sim(dir, so);
  const fs::path out = dir / "dump.bin";
  Process p(ESPBAK_BIN, streaming_backup_args(sim, out));
  wait_for_part_file(p, out);
  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(10));
  REQUIRE(code.has_value());
  CHECK(*code == 128 + SIGTERM);
  CHECK_FALSE(file_exists(out));
  CHECK(temporary_files(out).empty());
}
