// Files espbak writes are never lost or clobbered (docs/errors.md "Files",
// docs/exit-codes.md "Signals"): planted symlinks, odd targets, a full or
// read-only filesystem, file-size limits, signals in the middle of a read or
// a write, and an input file that changes while it is written.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness.hpp"

using namespace e2e;

namespace {

const std::string kNoPort = "socket://127.0.0.1:1";  // nothing listens there

bool file_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void expect_refused(const RunResult& r, int code, std::initializer_list<std::string> words) {
  INFO(describe(r));
  CHECK_FALSE(r.timed_out);
  CHECK(r.code == code);
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.rfind("espbak: error: ", 0) == 0);
  for (const auto& w : words) CHECK(contains(r.err, w));
}

std::string text_of(const fs::path& p) {
  auto b = read_file(p);
  return {b.begin(), b.end()};
}

// The stderr line that ends an interrupted run, and no other error line.
void expect_one_error_line(const Process& p, std::initializer_list<std::string> words) {
  INFO("stdout:\n" << p.out << "\nstderr:\n" << p.err);
  auto at = p.err.find("espbak: error: ");
  REQUIRE(at != std::string::npos);
  CHECK(p.err.find("espbak: error: ", at + 1) == std::string::npos);
  CHECK(line_count(p.err.substr(at)) == 1);
  for (const auto& w : words) CHECK(contains(p.err.substr(at), w));
}

// Returns once espbak has created its temporary file for `out`.
void wait_for_temporary_file(Process& p, const fs::path& out) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (temporary_files(out).empty() && p.running() && std::chrono::steady_clock::now() < deadline)
    p.read_line(std::chrono::milliseconds(20));
  REQUIRE_FALSE(temporary_files(out).empty());
}

// Reads stdout lines until one contains `text`; false if espbak ended first.
bool wait_for_line(Process& p, const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = p.read_line(std::chrono::milliseconds(200));
    if (line && contains(*line, text)) return true;
    if (!line && !p.running()) return false;
  }
  return false;
}

// espbak in a private mount namespace in which `dir` is a fresh tmpfs with
// mount options `options`; what the tmpfs holds afterwards is put in
// `listing`. nullopt where this machine does not allow the mount.
std::optional<RunResult> espbak_on_tmpfs(const TempDir& scratch, const fs::path& dir, const std::string& options,
                                         const std::vector<std::string>& args, std::string& listing) {
  if (access("/usr/bin/unshare", X_OK) != 0) return std::nullopt;
  fs::create_directories(dir);
  const fs::path list_file = scratch / "listing.txt";
  const std::string script =
      "mount -t tmpfs -o \"$1\" espbak-test \"$2\" 2>/dev/null || exit 99; d=$2; l=$3; shift 3; "
      "\"$@\"; rc=$?; ls -A \"$d\" > \"$l\"; exit $rc";
  std::vector<std::string> full = {"-m", "--propagation", "private", "/bin/sh", "-c", script, "sh",
                                   options, dir.string(), list_file.string(), ESPBAK_BIN};
  full.insert(full.end(), args.begin(), args.end());
  Process p("/usr/bin/unshare", full);
  auto code = p.wait(std::chrono::seconds(60));
  if (!code || !file_exists(list_file)) return std::nullopt;  // 99: no mount; or unshare refused
  RunResult r;
  r.code = *code;
  r.out = p.out;
  r.err = p.err;
  listing = text_of(list_file);
  return r;
}

bool have_prlimit() { return access("/usr/bin/prlimit", X_OK) == 0; }

RunResult run_with_file_size_limit(std::uint64_t bytes, const std::vector<std::string>& args) {
  std::vector<std::string> full = {"--fsize=" + std::to_string(bytes) + ":" + std::to_string(bytes), ESPBAK_BIN};
  full.insert(full.end(), args.begin(), args.end());
  Process p("/usr/bin/prlimit", full);
  RunResult r;
  auto code = p.wait(std::chrono::seconds(60));
  r.timed_out = !code;
  r.code = code.value_or(-1);
  r.out = p.out;
  r.err = p.err;
  return r;
}

SimOptions slow_sim(const std::string& chip = "esp8266") {
  SimOptions so;
  so.chip = chip;
  so.flash_size = "4MB";
  so.link = "realistic";
  return so;
}

}  // namespace

TEST_CASE("a symlink planted at FILE.part or at FILE is replaced as a name, never written through",
          "[files]") {
  TempDir dir;
  SimOptions so;
  write_file(dir / "flash.bin", random_bytes(4u << 20, 21));
  Sim sim(dir, so);
  write_file(dir / "victim.txt", Bytes{'k', 'e', 'e', 'p'});
  fs::create_symlink(dir / "victim.txt", dir / "out.bin.part");
  fs::create_symlink(dir / "victim.txt", dir / "final.bin");
  for (const char* name : {"out.bin", "final.bin"}) {
    CAPTURE(name);
    auto r = run_espbak({"-p", sim.port(), "read_flash", "0", "0x1000", (dir / name).string()});
    INFO(describe(r));
    REQUIRE(r.code == 0);
    CHECK_FALSE(fs::is_symlink(dir / name));
    Bytes want(read_file(sim.flash_file()));
    want.resize(0x1000);
    CHECK(read_file(dir / name) == want);
    CHECK(temporary_files(dir / name).empty());
  }
  CHECK(text_of(dir / "victim.txt") == "keep");
  CHECK(fs::is_symlink(dir / "out.bin.part"));  // not espbak's name: left alone
}

TEST_CASE("a directory, FIFO or device as the output is refused before the port is opened", "[files]") {
  TempDir dir;
  fs::create_directory(dir / "folder");
  REQUIRE(::mkfifo((dir / "pipe.bin").c_str(), 0600) == 0);
  fs::create_directory_symlink(dir / "folder", dir / "folder-link");
  expect_refused(run_espbak({"-p", kNoPort, "read_flash", "0", "16", (dir / "folder").string()}), 3,
                 {"is a directory"});
  expect_refused(run_espbak({"-p", kNoPort, "read_flash", "0", "16", (dir / "pipe.bin").string()}), 3,
                 {"pipe.bin", "FIFO"});
  expect_refused(run_espbak({"-p", kNoPort, "read_flash", "0", "16", "/dev/null"}), 3, {"/dev/null", "device"});
  expect_refused(run_espbak({"-p", kNoPort, "read_flash", "0", "16", (dir / "folder-link").string()}), 3,
                 {"symbolic link to a directory"});
  expect_refused(run_espbak({"-p", kNoPort, "dump_mem", "0x3ff00050", "16", (dir / "pipe.bin").string()}), 3,
                 {"FIFO"});
  CHECK(fs::is_fifo(dir / "pipe.bin"));
  CHECK(fs::is_empty(dir / "folder"));
}

TEST_CASE("a read-only filesystem is refused before the port is opened", "[files]") {
  TempDir dir;
  std::string listing;
  auto r = espbak_on_tmpfs(dir, dir / "ro", "ro,size=64k",
                           {"-p", kNoPort, "read_flash", "0", "16", (dir / "ro" / "out.bin").string()}, listing);
  if (!r) {
    WARN("this machine does not allow a tmpfs mount: read-only filesystem not tested");
    return;
  }
  expect_refused(*r, 3, {"not writable"});
  CHECK(listing.empty());
}

TEST_CASE("a full filesystem is found before the read, not after it", "[files]") {
  TempDir dir;
  SimOptions so;
  Sim sim(dir, so);
  std::string listing;
  // Size given: refused before the port is opened (else the exit would be 4).
  auto r = espbak_on_tmpfs(dir, dir / "small", "size=64k",
                           {"-p", kNoPort, "read_flash", "0", "0x40000", (dir / "small" / "out.bin").string()},
                           listing);
  if (!r) {
    WARN("this machine does not allow a tmpfs mount: falling back to a file-size limit");
    REQUIRE(have_prlimit());
    auto limited = run_with_file_size_limit(65536, {"-p", kNoPort, "read_flash", "0", "0x40000",
                                                    (dir / "out.bin").string()});
    expect_refused(limited, 3, {"file-size limit"});
    CHECK_FALSE(file_exists(dir / "out.bin"));
    return;
  }
  expect_refused(*r, 3, {"not enough free space", "262144 bytes needed"});
  CHECK(listing.empty());
  // ALL: the size is known once the flash is detected, before any block is read.
  r = espbak_on_tmpfs(dir, dir / "small", "size=64k",
                      {"-p", sim.port(), "read_flash", "0", "ALL", (dir / "small" / "out.bin").string()}, listing);
  REQUIRE(r);
  expect_refused(*r, 3, {"not enough free space", "4194304 bytes needed"});
  CHECK_FALSE(contains(r->out, "Read "));
  CHECK(listing.empty());
}

TEST_CASE("a file-size limit is found before the read, and one lowered mid-read ends it cleanly", "[files][slow]") {
  if (!have_prlimit()) {
    WARN("no prlimit here: file-size limits not tested");
    return;
  }
  TempDir dir;
  const fs::path out = dir / "dump.bin";
  auto r = run_with_file_size_limit(65536, {"-p", kNoPort, "read_flash", "0", "0x40000", out.string()});
  expect_refused(r, 3, {"exceed the file-size limit (ulimit -f) of 65536 bytes"});
  CHECK_FALSE(file_exists(out));

  // Lowered while the read runs: the next write fails with EFBIG (SIGXFSZ
  // is ignored), so espbak does not die of the signal (exit 153).
  Sim sim(dir, slow_sim());
  Process p(ESPBAK_BIN, {"-p", sim.port(), "read_flash", "--no-skip-erased", "0", "ALL", out.string()});
  wait_for_temporary_file(p, out);
  Process limit("/usr/bin/prlimit", {"--pid", std::to_string(p.pid()), "--fsize=1:1"});
  REQUIRE(limit.wait(std::chrono::seconds(10)) == 0);
  auto code = p.wait(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 3);
  expect_one_error_line(p, {"file-size limit"});
  CHECK_FALSE(file_exists(out));
  CHECK(temporary_files(out).empty());
}

TEST_CASE("SIGTERM, SIGHUP or SIGINT mid-read: one line, no file left, the chip reset, exit 128+N",
          "[files][slow]") {
  const int sig = GENERATE(SIGTERM, SIGHUP, SIGINT);
  CAPTURE(sig);
  TempDir dir;
  SimOptions so = slow_sim();
  so.rfc2217 = true;  // a board with DTR/RTS: --after hard_reset can be carried out
  Sim sim(dir, so);
  const fs::path out = dir / "dump.bin";
  write_file(out, Bytes{'o', 'l', 'd'});  // an earlier backup: must survive
  Process p(ESPBAK_BIN, {"-p", sim.port(), "read_flash", "--no-skip-erased", "0", "ALL", out.string()});
  wait_for_temporary_file(p, out);
  p.signal(sig);
  auto code = p.wait(std::chrono::seconds(30));
  REQUIRE(code.has_value());
  CHECK(*code == 128 + sig);
  expect_one_error_line(p, {"interrupted by SIG", "nothing was written to", "the existing file is untouched",
                            "the chip was reset (--after hard_reset)"});
  CHECK(contains(p.out, "Hard resetting via RTS pin..."));
  CHECK(text_of(out) == "old");
  CHECK(temporary_files(out).empty());
}

TEST_CASE("SIGINT during write_flash says which regions were written and verified", "[files][slow]") {
  TempDir dir;
  Sim sim(dir, slow_sim());
  const Bytes first = random_bytes(0x4000, 31), second = random_bytes(0x10000, 32);
  write_file(dir / "first.bin", first);
  write_file(dir / "second.bin", second);
  // 115200 baud: the second region takes seconds, so the signal comes during it.
  Process p(ESPBAK_BIN, {"-p", sim.port(), "-b", "115200", "--after", "no_reset", "write_flash", "0",
                         (dir / "first.bin").string(),
                         "0x100000", (dir / "second.bin").string()});
  REQUIRE(wait_for_line(p, "Hash of data verified."));  // the first region is done
  p.signal(SIGINT);
  auto code = p.wait(std::chrono::seconds(60));
  REQUIRE(code.has_value());
  CHECK(*code == 130);
  expect_one_error_line(p, {"interrupted by SIGINT", "0x00000000 (" + (dir / "first.bin").string() +
                                                        ") written and verified",
                            "0x00100000 (" + (dir / "second.bin").string() + ")",
                            "the chip was left in the bootloader (--after no_reset)"});
  // Partly written, or (a signal that came before its first erase) not written.
  INFO(p.err);
  CHECK((contains(p.err, "second.bin) partly written") || contains(p.err, "second.bin) not written")));
  Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin(), flash.begin() + 0x4000) == first);
}

TEST_CASE("an image file truncated during write_flash is reported", "[files][slow]") {
  TempDir dir;
  Sim sim(dir, slow_sim());
  const Bytes image = random_bytes(0x20000, 41);
  const fs::path file = dir / "app.bin";
  write_file(file, image);
  // 115200 baud: the write takes seconds after the line below.
  Process p(ESPBAK_BIN, {"-p", sim.port(), "-b", "115200", "write_flash", "0x10000", file.string()});
  REQUIRE(wait_for_line(p, "Flash will be erased from"));  // read once, before this line
  fs::resize_file(file, 4096);
  auto code = p.wait(std::chrono::seconds(90));
  REQUIRE(code.has_value());
  CHECK(*code == 3);
  expect_one_error_line(p, {"app.bin' changed while it was being written (size 131072 -> 4096 bytes)",
                            "holds the file as it was read before writing (MD5 "});
  CHECK(contains(p.out, "Hash of data verified."));
  Bytes flash = read_file(sim.flash_file());
  CHECK(Bytes(flash.begin() + 0x10000, flash.begin() + 0x30000) == image);
}

TEST_CASE("a signal with nothing at stake ends espbak at once with one line", "[files]") {
  // A peer that accepts the connection and never answers: espbak keeps
  // trying to connect.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(listener, 4) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  Process p(ESPBAK_BIN, {"-p", "socket://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), "--connect-attempts",
                         "1000", "flash_id"});
  // The line before the connect ("Connecting..." stays open for its dots).
  REQUIRE(wait_for_line(p, "Serial port"));
  p.signal(SIGINT);
  auto code = p.wait(std::chrono::seconds(10));
  ::close(listener);
  REQUIRE(code.has_value());
  CHECK(*code == 130);
  expect_one_error_line(p, {"interrupted by SIGINT", "nothing was left"});
}
