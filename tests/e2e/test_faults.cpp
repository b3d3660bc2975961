// espbak against espsim --fault: every backup is byte-exact or a clean
// failure (non-zero exit, one error line, no FILE, no FILE.part).
// Fault syntax: docs/espsim.md "Faults"; retry rules: docs/exit-codes.md.
#include <catch2/catch.hpp>

#include <sstream>

#include "harness.hpp"

using namespace e2e;

namespace {

constexpr std::uint32_t kMB = 1024 * 1024;

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

// espsim with `faults` (each one --fault) and a flash file of random bytes.
std::unique_ptr<Sim> faulty_sim(const TempDir& dir, const std::string& chip, const std::vector<std::string>& faults,
                                std::uint32_t seed, bool pty = false, std::uint32_t flash_bytes = kMB) {
  write_file(dir / "flash.bin", random_bytes(flash_bytes, 0xF1A5 + seed));
  SimOptions so;
  so.chip = chip;
  so.flash_size = std::to_string(flash_bytes / kMB) + "MB";
  so.pty = pty;
  for (const auto& f : faults) so.extra_args.insert(so.extra_args.end(), {"--fault", f});
  so.extra_args.insert(so.extra_args.end(), {"--seed", std::to_string(seed)});
  return std::make_unique<Sim>(dir, so);
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

int recoveries(const RunResult& r) {
  // --json: {"...","recoveries":N,...}
  auto at = r.out.find("\"recoveries\":");
  return at == std::string::npos ? 0 : std::stoi(r.out.substr(at + 13));
}

// A failure as the issue demands it: non-zero, exactly one error line and it
// is the last line, and neither the file nor its .part.
void check_clean_failure(const RunResult& r, const fs::path& out) {
  CHECK_FALSE(r.timed_out);
  CHECK(r.code != 0);
  CHECK(lines_starting(r.err, "espbak: error: ").size() == 1);
  auto last = r.err.substr(r.err.rfind('\n', r.err.size() - 2) + 1);
  CHECK(last.rfind("espbak: error: ", 0) == 0);
  CHECK_FALSE(file_exists(out));
  CHECK(temporary_files(out).empty());
}

std::string difference(const Bytes& got, const Bytes& want) {
  if (got.size() != want.size()) return "size " + std::to_string(got.size()) + " != " + std::to_string(want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) return "first difference at offset " + hex_addr(std::uint32_t(i));
  return "";
}

struct ReadCase {
  const char* chip;
  const char* fault;
  bool must_recover;  // the fault cannot pass without a recovery
};

}  // namespace

TEST_CASE("read_flash survives each kind of fault and the backup is byte-exact", "[faults]") {
  auto c = GENERATE(values<ReadCase>({
      {"esp8266", "drop:0.000001", false},
      {"esp32", "corrupt:0.000001", false},
      {"esp8266", "noise:1", false},
      {"esp32", "stall:300000:1500", false},  // shorter than the 3 s timeout: just slower
      {"esp8266", "stall:300000:4000", true},
      {"esp32", "reset:300000", true},
      {"esp8266", "reset:500000", true},
      {"esp32", "close:300000", true},
      {"esp8266", "corrupt:0.0002:to-device", false},
      {"esp32", "drop:0.0002:to-device", false},
  }));
  CAPTURE(c.chip, c.fault);
  TempDir dir;
  auto sim = faulty_sim(dir, c.chip, {c.fault}, 11);
  auto out = dir / "backup.bin";
  auto r = run_espbak({"-p", sim->port(), "-b", "460800", "--json", "read_flash", "0", "ALL", out.string()},
                      std::chrono::seconds(120));
  INFO(describe(r) << "\nespsim:\n" << sim->log());
  REQUIRE(r.code == 0);
  CHECK(difference(read_file(out), read_file(sim->flash_file())) == "");
  CHECK(temporary_files(out).empty());
  if (c.must_recover) {
    CHECK(recoveries(r) >= 1);
    CHECK(r.err.find("Recovering the connection") != std::string::npos);
  }
}

TEST_CASE("write_flash survives faults and the flash ends up byte-exact", "[faults]") {
  const char* fault = GENERATE("corrupt:0.00002:to-device", "drop:0.00001:to-device", "reset:150000:to-device",
                               "close:200000:to-device", "corrupt:0.0005", "reset:2000");
  const char* chip = GENERATE("esp8266", "esp32");
  CAPTURE(fault, chip);
  TempDir dir;
  auto sim = faulty_sim(dir, chip, {fault}, 5);
  Bytes image = random_bytes(512 * 1024, 99);
  write_file(dir / "image.bin", image);
  auto r = run_espbak({"-p", sim->port(), "-b", "460800", "write_flash", "0x10000", (dir / "image.bin").string()},
                      std::chrono::seconds(120));
  INFO(describe(r) << "\nespsim:\n" << sim->log());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("Hash of data verified.") != std::string::npos);
  Bytes flash = read_file(sim->flash_file());
  CHECK(difference(Bytes(flash.begin() + 0x10000, flash.begin() + 0x10000 + image.size()), image) == "");
}

TEST_CASE("a fault espbak cannot get past ends in one error line and no file", "[faults]") {
  struct Case {
    const char* fault;
    int code;
  };
  auto c = GENERATE(values<Case>({
      {"close:3000:to-device", 4},  // every connection dies during the stub upload: the link is gone
      {"corrupt:0.001", 0},         // about one byte in 1000 garbled: no chunk gets through
  }));
  CAPTURE(c.fault);
  TempDir dir;
  auto sim = faulty_sim(dir, "esp32", {c.fault}, 3);
  auto out = dir / "backup.bin";
  auto r = run_espbak({"-p", sim->port(), "read_flash", "0", "0x40000", out.string()}, std::chrono::seconds(120));
  INFO(describe(r) << "\nespsim:\n" << sim->log());
  check_clean_failure(r, out);
  if (c.code) CHECK(r.code == c.code);
}

TEST_CASE("a failed backup leaves an existing file of that name alone", "[faults]") {
  TempDir dir;
  auto sim = faulty_sim(dir, "esp8266", {"close:3000:to-device"}, 3);
  auto out = dir / "backup.bin";
  Bytes old = random_bytes(1000, 1);
  write_file(out, old);
  auto r = run_espbak({"-p", sim->port(), "read_flash", "0", "0x40000", out.string()}, std::chrono::seconds(120));
  INFO(describe(r));
  CHECK(r.code != 0);
  CHECK(read_file(out) == old);
  CHECK(temporary_files(out).empty());
}

TEST_CASE("the same seed gives the same faults and the same recoveries", "[faults]") {
  auto story = [](std::uint32_t seed) {
    TempDir dir;
    auto sim = faulty_sim(dir, "esp32", {"corrupt:0.00001"}, seed);
    auto r = run_espbak({"-p", sim->port(), "read_flash", "0", "0x40000", (dir / "b.bin").string()},
                        std::chrono::seconds(120));
    INFO(describe(r));
    CHECK(r.code == 0);
    // The first failure: everything before it is free of timing (later
    // ones may shift when a loaded machine makes a SYNC time out once more,
    // which changes the bytes on the wire and so the faults drawn).
    // (Not the line every partial read from 0 gets.)
    auto warnings = lines_starting(r.err, "Warning: ");
    std::erase_if(warnings, [](const std::string& w) { return w.find("whole-board restore") != std::string::npos; });
    return warnings.empty() ? std::string() : warnings.front();
  };
  auto first = story(21);
  CHECK_FALSE(first.empty());  // the rate makes some chunk fail
  CHECK(story(21) == first);
  CHECK(story(22) != first);
}

TEST_CASE("a stray frame between replies is skipped", "[faults]") {
  TempDir dir;
  auto sim = faulty_sim(dir, "esp32", {"stray:1", "noise:1"}, 1);
  auto r = run_espbak({"-p", sim->port(), "flash_id"});
  INFO(describe(r) << "\nespsim:\n" << sim->log());
  CHECK(r.code == 0);
  CHECK(r.out.find("Detected flash size: 1MB") != std::string::npos);
}

TEST_CASE("a chip reset over a pty is survived too", "[faults]") {
  TempDir dir;
  auto sim = faulty_sim(dir, "esp32", {"reset:200000"}, 2, /*pty=*/true);
  auto out = dir / "backup.bin";
  auto r = run_espbak({"-p", sim->port(), "read_flash", "0", "0x80000", out.string()}, std::chrono::seconds(120));
  INFO(describe(r) << "\nespsim:\n" << sim->log());
  REQUIRE(r.code == 0);
  Bytes flash = read_file(sim->flash_file());
  CHECK(difference(read_file(out), Bytes(flash.begin(), flash.begin() + 0x80000)) == "");
  CHECK(sim->log().find("reset at to-host byte 200000") != std::string::npos);
}

TEST_CASE("espsim refuses a malformed --fault", "[faults]") {
  TempDir dir;
  Process p(ESPSIM_BIN, {"--chip", "esp32", "--flash-size", "1MB", "--listen", "tcp:127.0.0.1:0", "--fault",
                         "drop:1.5"});
  auto code = p.wait(std::chrono::seconds(10));
  REQUIRE(code);
  CHECK(*code == 2);
  CHECK(line_count(p.err) == 1);
  CHECK(p.err.find("drop:1.5") != std::string::npos);
}
