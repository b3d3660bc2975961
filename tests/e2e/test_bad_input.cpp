// Every bad-input case of docs/errors.md: one clear line on stderr, the
// documented exit code, nothing written to flash or disk. Cases that need no
// chip use an unreachable port: they must be refused before it is opened
// (else the exit code would be 4).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>

#include "harness.hpp"

using namespace e2e;

namespace {

const std::string kNoPort = "socket://127.0.0.1:1";  // nothing listens there

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

void expect_refused(const RunResult& r, int code, std::initializer_list<std::string> words) {
  INFO("exit " << r.code << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.code == code);
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.rfind("espbak: error: ", 0) == 0);
  for (const auto& w : words) CHECK(r.err.find(w) != std::string::npos);
}

RunResult espbak(std::vector<std::string> args, const std::string& port = kNoPort) {
  args.insert(args.begin(), {"-p", port});
  return run_espbak(args, std::chrono::seconds(60));
}

// Runs espbak without root's powers, so that file permissions apply: as
// `nobody` through setpriv when running as root, else as the current user.
RunResult espbak_unprivileged(const std::vector<std::string>& args) {
  std::vector<std::string> full;
  std::string binary = ESPBAK_BIN;
  if (geteuid() == 0) {
    binary = "/usr/bin/setpriv";
    full = {"--reuid=65534", "--regid=65534", "--clear-groups", ESPBAK_BIN};
  }
  full.insert(full.end(), args.begin(), args.end());
  Process p(binary, full);
  RunResult r;
  auto code = p.wait(std::chrono::seconds(60));
  r.timed_out = !code;
  r.code = code.value_or(-1);
  r.out = p.out;
  r.err = p.err;
  return r;
}

bool can_drop_privileges() { return geteuid() != 0 || access("/usr/bin/setpriv", X_OK) == 0; }

// A directory others may enter (TempDir is 0700).
void open_up(const fs::path& dir) { ::chmod(dir.c_str(), 0755); }

}  // namespace

TEST_CASE("malformed and negative numbers are usage errors", "[bad-input]") {
  TempDir dir;
  std::string out = (dir / "out.bin").string();
  expect_refused(espbak({"read_flash", "0xZZ", "0x1000", out}), 2, {"0xZZ"});
  expect_refused(espbak({"read_flash", "1e3", "0x1000", out}), 2, {"1e3"});
  expect_refused(espbak({"read_flash", "0", "12abc", out}), 2, {"12abc"});
  expect_refused(espbak({"read_flash", "-1", "0x1000", out}), 2, {"-1"});
  expect_refused(espbak({"read_flash", "0", "-0x1000", out}), 2, {"-0x1000"});
  expect_refused(espbak({"erase_region", "0", "-4096"}), 2, {"-4096"});
  expect_refused(espbak({"-b", "-5", "flash_id"}), 2, {"-5"});
  expect_refused(espbak({"-b", "fast", "flash_id"}), 2, {"fast"});
  write_file(dir / "a.bin", Bytes(16, 1));
  expect_refused(espbak({"write_flash", "0x1g", (dir / "a.bin").string()}), 2, {"0x1g"});
  expect_refused(espbak({"write_flash", "--", "-4096", (dir / "a.bin").string()}), 2, {"-4096"});
  CHECK_FALSE(file_exists(out));
}

TEST_CASE("numbers that overflow 32 bits are refused", "[bad-input]") {
  TempDir dir;
  std::string out = (dir / "out.bin").string();
  expect_refused(espbak({"read_flash", "0", "0x100000000", out}), 2, {"0x100000000"});
  expect_refused(espbak({"read_flash", "4294967296", "16", out}), 2, {"4294967296"});
  expect_refused(espbak({"read_flash", "0", "8192M", out}), 2, {"8192M"});
  expect_refused(espbak({"read_flash", "0", "4194304k", out}), 2, {"4194304k"});
  // Each number fits, their sum does not.
  expect_refused(espbak({"read_flash", "0xFFFFF000", "0x2000", out}), 3, {"4 GB"});
  expect_refused(espbak({"erase_region", "0xFFFFF000", "0x2000"}), 3, {"4 GB"});
  CHECK_FALSE(file_exists(out));
}

TEST_CASE("erase_region needs sector-aligned address and size", "[bad-input]") {
  expect_refused(espbak({"erase_region", "0x1001", "0x1000"}), 3, {"multiple of 4096", "0x1001"});
  expect_refused(espbak({"erase_region", "0x1000", "0x1001"}), 3, {"multiple of 4096", "0x1001"});
}

TEST_CASE("regions past the end of the flash are refused and nothing is written", "[bad-input]") {
  TempDir dir;
  SimOptions so;
  so.chip = GENERATE("esp8266", "esp32");
  so.flash_size = "4MB";
  CAPTURE(so.chip);
  write_file(dir / "flash.bin", random_bytes(4u << 20, 5));
  Sim sim(dir, so);
  const Bytes before = read_file(sim.flash_file());
  auto out = dir / "out.bin";

  expect_refused(espbak({"read_flash", "0x3FF000", "0x2000", out.string()}, sim.port()), 3, {"past the end"});
  expect_refused(espbak({"read_flash", "0", "0x800000", out.string()}, sim.port()), 3, {"greater than"});
  expect_refused(espbak({"read_flash", "0x400000", "ALL", out.string()}, sim.port()), 3, {"past the end"});
  CHECK_FALSE(file_exists(out));
  CHECK(temporary_files(out).empty());

  write_file(dir / "img.bin", random_bytes(0x2000, 6));
  expect_refused(espbak({"write_flash", "0x3FF000", (dir / "img.bin").string()}, sim.port()), 3, {"0x3ff000"});
  expect_refused(espbak({"erase_region", "0x3FF000", "0x2000"}, sim.port()), 3, {"past the end"});
  // Refused before connecting when --flash_size names the size.
  expect_refused(espbak({"write_flash", "--flash_size", "1MB", "0xFF000", (dir / "img.bin").string()}), 3, {});
  // verify_flash: refused once the size is detected, before any MD5 (which
  // the chip would fail with an SPI error and three retries); before
  // connecting when --flash_size names the size.
  expect_refused(espbak({"verify_flash", "0x3FF000", (dir / "img.bin").string()}, sim.port()), 3,
                 {"verify_flash", "img.bin", "past the end of the 4MB flash"});
  expect_refused(espbak({"verify_flash", "--flash_size", "1MB", "0xFF000", (dir / "img.bin").string()}), 3,
                 {"past the end of the 1MB flash"});
  CHECK(read_file(sim.flash_file()) == before);
}

TEST_CASE("a --diff-with that is missing, empty or unreadable is refused before connecting", "[bad-input]") {
  TempDir dir;
  const auto out = dir / "out.bin";
  expect_refused(espbak({"read_flash", "--diff-with", (dir / "none.bin").string(), "0", "0x1000", out.string()}), 3,
                 {"--diff-with", "none.bin", "does not exist"});
  write_file(dir / "empty.bin", {});
  expect_refused(espbak({"read_flash", "--diff-with", (dir / "empty.bin").string(), "0", "ALL", out.string()}), 3,
                 {"empty.bin", "is empty"});
  mkfifo((dir / "fifo").c_str(), 0600);
  expect_refused(espbak({"read_flash", "--diff-with", (dir / "fifo").string(), "0", "0x1000", out.string()}), 3,
                 {"neither a file nor a directory"});
  CHECK_FALSE(file_exists(out));
  if (!can_drop_privileges()) {
    WARN("cannot drop root privileges here (no setpriv): unreadable --diff-with not tested");
    return;
  }
  open_up(dir.path());
  write_file(dir / "locked.bin", random_bytes(4096, 9));
  ::chmod((dir / "locked.bin").c_str(), 0);
  fs::create_directory(dir / "public");
  ::chmod((dir / "public").c_str(), 0777);  // the output directory is writable: the old image is what fails
  auto r = espbak_unprivileged({"-p", kNoPort, "read_flash", "--diff-with", (dir / "locked.bin").string(), "0",
                                "0x1000", (dir / "public" / "out.bin").string()});
  expect_refused(r, 3, {"cannot read", "locked.bin"});
  CHECK_FALSE(file_exists(out));
}

TEST_CASE("overlapping write regions are refused before connecting", "[bad-input]") {
  TempDir dir;
  write_file(dir / "a.bin", Bytes(0x1000, 1));
  write_file(dir / "b.bin", Bytes(0x100, 2));
  expect_refused(espbak({"write_flash", "0", (dir / "a.bin").string(), "0x800", (dir / "b.bin").string()}), 3,
                 {"overlap", "b.bin"});
  // Same sector, no byte in common: still one erase for both.
  expect_refused(espbak({"write_flash", "0x2000", (dir / "b.bin").string(), "0x2800", (dir / "b.bin").string()}), 3,
                 {"overlap"});
}

TEST_CASE("input files that are missing, empty, a directory or unreadable are refused", "[bad-input]") {
  TempDir dir;
  expect_refused(espbak({"write_flash", "0", (dir / "missing.bin").string()}), 3, {"missing.bin"});
  write_file(dir / "empty.bin", {});
  expect_refused(espbak({"write_flash", "0", (dir / "empty.bin").string()}), 3, {"empty.bin", "empty"});
  expect_refused(espbak({"verify_flash", "0", (dir / "empty.bin").string()}), 3, {"empty.bin"});
  fs::create_directory(dir / "folder");
  expect_refused(espbak({"write_flash", "0", (dir / "folder").string()}), 3, {"folder", "directory"});
  if (!can_drop_privileges()) {
    WARN("cannot drop root privileges here (no setpriv): unreadable input not tested");
    return;
  }
  open_up(dir.path());
  write_file(dir / "secret.bin", Bytes(16, 7));
  ::chmod((dir / "secret.bin").c_str(), 0);
  expect_refused(espbak_unprivileged({"-p", kNoPort, "write_flash", "0", (dir / "secret.bin").string()}), 3,
                 {"secret.bin", "ermission denied"});
}

TEST_CASE("an output directory that is missing or not writable is refused", "[bad-input]") {
  TempDir dir;
  expect_refused(espbak({"read_flash", "0", "16", (dir / "nowhere" / "out.bin").string()}), 3, {"does not exist"});
  expect_refused(espbak({"read_flash", "0", "16", dir.path().string()}), 3, {"is a directory"});
  if (!can_drop_privileges()) {
    WARN("cannot drop root privileges here (no setpriv): read-only output directory not tested");
    return;
  }
  open_up(dir.path());
  fs::create_directory(dir / "locked");
  ::chmod((dir / "locked").c_str(), 0755);  // root's; others may not write
  auto r = espbak_unprivileged({"-p", kNoPort, "read_flash", "0", "16", (dir / "locked" / "out.bin").string()});
  expect_refused(r, 3, {"not writable"});
  CHECK_FALSE(file_exists(dir / "locked" / "out.bin"));
}

TEST_CASE("a missing port is a port error", "[bad-input]") {
  expect_refused(espbak({"flash_id"}, "/dev/ttyESPBAK-none"), 4, {"/dev/ttyESPBAK-none", "no such device"});
  expect_refused(espbak({"flash_id"}, "/etc/hostname"), 4, {"not a serial port"});
}

TEST_CASE("a port in use by another espbak is busy", "[bad-input]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  so.pty = true;
  so.link = "realistic";  // 115200 baud: the first read takes seconds
  Sim sim(dir, so);
  Process first(ESPBAK_BIN, {"-p", sim.port(), "read_flash", "0", "0x40000", (dir / "first.bin").string()});
  // Wait until the first one owns the port (it prints this after opening it).
  bool connecting = false;
  for (int i = 0; i < 100 && !connecting; ++i) {
    auto line = first.read_line(std::chrono::milliseconds(100));
    connecting = line && line->find("Connecting") != std::string::npos;
  }
  REQUIRE(connecting);
  auto second = espbak({"flash_id"}, sim.port());
  expect_refused(second, 4, {"busy"});
  first.signal(SIGTERM);
  first.wait(std::chrono::seconds(10));
}

TEST_CASE("a port without permission says how to get it (dialout)", "[bad-input]") {
  if (!can_drop_privileges()) {
    WARN("cannot drop root privileges here (no setpriv): permission denied not tested");
    return;
  }
  TempDir dir;
  SimOptions so;
  so.pty = true;
  Sim sim(dir, so);
  auto device = fs::read_symlink(sim.port());  // /dev/pts/N
  ::chmod(device.c_str(), 0600);
  if (geteuid() != 0) ::chmod(device.c_str(), 0);  // our own pty: take our rights away
  auto r = espbak_unprivileged({"-p", device.string(), "flash_id"});
  expect_refused(r, 4, {"permission denied", "dialout"});
}

TEST_CASE("garbage on the line instead of a chip is a connect error, not a hang", "[bad-input]") {
  // A TCP peer that only ever sends random bytes (0xC0 included, so it
  // also forms frames that are not responses).
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::atomic<bool> stop{false};
  std::thread spewer([&] {
    int conn = ::accept(listener, nullptr, nullptr);
    if (conn < 0) return;
    std::mt19937 rng(42);
    std::uint8_t buf[512];
    while (!stop) {
      for (auto& b : buf) b = std::uint8_t(rng());
      if (::send(conn, buf, sizeof buf, MSG_NOSIGNAL) < 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::close(conn);
  });
  auto r = run_espbak({"-p", "socket://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "--connect-attempts", "2",
                       "flash_id"},
                      std::chrono::seconds(90));
  stop = true;
  ::shutdown(listener, SHUT_RDWR);
  ::close(listener);
  spewer.join();
  expect_refused(r, 5, {"Failed to connect"});
  CHECK(r.seconds < 60);
}
