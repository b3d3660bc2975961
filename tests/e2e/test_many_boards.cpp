// Many boards in one command (docs/cli.md "Many boards"): espsim --count N
// serves N boards, espbak takes them all with several -p or --all-ports,
// one thread each; file names take {mac} {chip} {port} {date}; two boards
// never write one file; one board's failure leaves the others to finish.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "espbak/util/json.hpp"
#include "harness.hpp"

using namespace e2e;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// espsim --count N in the background: board i's port is ports[i], its flash
// the file FLASH.i (filled with `contents[i]` before espsim starts, when given).
class Boards {
 public:
  Boards(const TempDir& dir, std::size_t count, std::vector<Bytes> contents = {}, bool pty = false,
         std::string link = "instant", std::string chip = "esp32")
      : flash_((dir / "flash.bin").string()) {
    for (std::size_t i = 0; i < contents.size(); ++i) write_file(flash_file(i), contents[i]);
    std::vector<std::string> args = {"--chip", chip, "--flash-size", "1MB", "--flash-file", flash_, "--link", link,
                                     "--count", std::to_string(count)};
    if (pty) args.insert(args.end(), {"--pty", (dir / "tty").string()});
    else args.insert(args.end(), {"--listen", "tcp:127.0.0.1:0"});
    proc_ = std::make_unique<Process>(ESPSIM_BIN, args, std::vector<std::string>{}, (dir / "espsim.log").string());
    for (std::size_t i = 0; i < count; ++i) {
      auto line = proc_->read_line(10s);
      if (!line) throw std::runtime_error("espsim --count did not report board " + std::to_string(i) + " ready");
      if (auto at = line->find("socket://"); at != std::string::npos) ports.push_back(line->substr(at));
      else ports.push_back(line->substr(line->find(" -> ") + 4));
    }
  }
  ~Boards() {
    if (proc_->running()) proc_->signal(SIGKILL);
    proc_->wait(5s);
  }
  std::string flash_file(std::size_t i) const { return flash_ + "." + std::to_string(i); }
  // "-p PORT" for every board, then `command`.
  std::vector<std::string> args(std::vector<std::string> command) const {
    std::vector<std::string> all;
    for (const auto& p : ports) all.insert(all.end(), {"-p", p});
    all.insert(all.end(), command.begin(), command.end());
    return all;
  }
  // espsim's ESP32 MAC 24:0a:c4:12:34:56 plus the board's number.
  static std::string mac(std::size_t i) { return "240ac41234" + std::to_string(56 + i); }
  static std::string label(const std::string& port) {
    return port.rfind("socket://", 0) == 0 ? std::regex_replace(port.substr(9), std::regex(":"), "-")
                                           : fs::path(port).filename().string();
  }

  std::vector<std::string> ports;

 private:
  std::string flash_;
  std::unique_ptr<Process> proc_;
};

// The files in `dir` other than espsim's and the backups' manifests
// (FILE.json, docs/manifest.md).
std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("flash.bin", 0) != 0 && name != "espsim.log" && name.rfind("tty", 0) != 0 &&
        !name.ends_with(".bin.json"))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("many boards: read_mac and flash_id on three boards, each line prefixed with its port", "[many_boards]") {
  TempDir dir;
  Boards boards(dir, 3);
  auto r = run_espbak(boards.args({"read_mac"}), 30s);
  INFO(describe(r));
  REQUIRE(r.code == 0);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string label = "[" + Boards::label(boards.ports[i]) + "] ";
    CHECK(contains(r.out, label + "Serial port " + boards.ports[i] + "\n"));
    CHECK(contains(r.out, label + "MAC: 24:0a:c4:12:34:5" + std::to_string(6 + i) + "\n"));  // distinct MACs
  }
  // Every line before the summary belongs to a board.
  const std::string narrative = r.out.substr(0, r.out.find("Summary: "));
  std::istringstream lines(narrative);
  const std::regex prefixed("\\[127\\.0\\.0\\.1-[0-9]+\\] .*");
  for (std::string line; std::getline(lines, line);) CHECK(std::regex_match(line, prefixed));
  CHECK(contains(r.out, "Summary: 3 boards, 3 succeeded, 0 failed\n"));
  CHECK(std::regex_search(r.out, std::regex(boards.ports[2] + " +ESP32 +24:0a:c4:12:34:58 +ok +[0-9.]+ s +-\n")));

  auto id = run_espbak(boards.args({"flash_id"}), 30s);
  INFO(describe(id));
  REQUIRE(id.code == 0);
  for (const auto& port : boards.ports)
    CHECK(contains(id.out, "[" + Boards::label(port) + "] Detected flash size: 1MB"));
}

TEST_CASE("many boards: read_flash with {mac} writes each board's flash to its own file", "[many_boards]") {
  TempDir dir;
  const std::vector<Bytes> flash = {random_bytes(1 << 20, 1), random_bytes(1 << 20, 2), random_bytes(1 << 20, 3)};
  Boards boards(dir, 3, flash);
  auto r = run_espbak(boards.args({"read_flash", "0", "ALL", (dir / "b-{mac}-{chip}.bin").string()}), 60s);
  INFO(describe(r));
  REQUIRE(r.code == 0);
  for (std::size_t i = 0; i < 3; ++i) {
    const fs::path out = dir / ("b-" + Boards::mac(i) + "-esp32.bin");
    REQUIRE(fs::exists(out));
    CHECK(read_file(out) == flash[i]);
    CHECK(contains(r.out, out.string() + "\n"));  // the summary's FILE column
    // Each board's manifest names its own MAC.
    const Bytes manifest = read_file(out.string() + ".json");
    CHECK(contains(std::string(manifest.begin(), manifest.end()),
                   "\"mac\":\"24:0a:c4:12:34:5" + std::to_string(6 + i) + "\""));
  }
  CHECK(files_in(dir.path()).size() == 3);  // no temporary file left
}

TEST_CASE("many boards: {port} names and --all-ports over ESPBAK_PORTS skip a port without a chip",
          "[many_boards]") {
  TempDir dir;
  const std::vector<Bytes> flash = {random_bytes(1 << 20, 4), random_bytes(1 << 20, 5)};
  Boards boards(dir, 2, flash, /*pty=*/true);
  CHECK(boards.ports[0] == (dir / "tty0").string());
  const std::string list = boards.ports[0] + " " + (dir / "no-such-tty").string() + " " + boards.ports[1];
  auto r = run_espbak({"--all-ports", "read_flash", "0", "0x10000", (dir / "r-{port}-{date}.bin").string()}, 60s,
                      {"ESPBAK_PORTS=" + list});
  INFO(describe(r));
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "--all-ports: trying 3 serial ports from ESPBAK_PORTS"));
  CHECK(contains(r.err, "[no-such-tty] Warning: skipped: "));
  CHECK(contains(r.out, "Summary: 2 boards, 2 succeeded, 0 failed"));
  const auto names = files_in(dir.path());
  REQUIRE(names.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(std::regex_match(names[i], std::regex("r-tty" + std::to_string(i) + "-[0-9]{4}-[0-9]{2}-[0-9]{2}\\.bin")));
    CHECK(read_file(dir / names[i]) == Bytes(flash[i].begin(), flash[i].begin() + 0x10000));
  }
  // No chip on any candidate: no board at all.
  auto none = run_espbak({"--all-ports", "read_mac"}, 30s, {"ESPBAK_PORTS=" + (dir / "no-such-tty").string()});
  CHECK(none.code == 4);
  CHECK(contains(none.err, "espbak: error: --all-ports: no chip answered on any of the 1 candidate serial port\n"));
}

TEST_CASE("many boards: write_flash restores each board from its own file, erase_flash erases them all", "[many_boards]") {
  TempDir dir;
  Boards boards(dir, 2);
  std::vector<Bytes> images;
  for (std::size_t i = 0; i < 2; ++i) {
    images.push_back(random_bytes(0x9000, 10 + std::uint32_t(i)));
    write_file(dir / ("in-" + Boards::mac(i) + ".bin"), images[i]);
  }
  const std::string file = (dir / "in-{mac}.bin").string();
  auto r = run_espbak(boards.args({"write_flash", "0x1000", file}), 60s);
  INFO(describe(r));
  REQUIRE(r.code == 0);
  for (std::size_t i = 0; i < 2; ++i) {
    const Bytes flash = read_file(boards.flash_file(i));
    CHECK(Bytes(flash.begin() + 0x1000, flash.begin() + 0x1000 + 0x9000) == images[i]);
  }
  auto v = run_espbak(boards.args({"verify_flash", "0x1000", file}), 60s);
  INFO(describe(v));
  CHECK(v.code == 0);
  // The same image on every board needs no field.
  auto same = run_espbak(boards.args({"verify_flash", "0x1000", (dir / ("in-" + Boards::mac(0) + ".bin")).string()}),
                         60s);
  CHECK(same.code == 8);  // board 1 holds its own image
  CHECK(contains(same.out, "Summary: 2 boards, 1 succeeded, 1 failed"));

  // One board's file missing: no board is written, one line names it.
  fs::remove(dir / ("in-" + Boards::mac(1) + ".bin"));
  write_file(dir / ("in-" + Boards::mac(0) + ".bin"), random_bytes(0x9000, 99));
  const Bytes before = read_file(boards.flash_file(0));
  auto missing = run_espbak(boards.args({"write_flash", "0x1000", file}), 60s);
  INFO(describe(missing));
  CHECK(missing.code == 3);
  CHECK(line_count(missing.err) == 1);
  CHECK(contains(missing.err, "in-" + Boards::mac(1) + ".bin"));
  CHECK(contains(missing.err, "no board was started"));
  CHECK(read_file(boards.flash_file(0)) == before);

  auto erase = run_espbak(boards.args({"erase_flash"}), 60s);
  INFO(describe(erase));
  CHECK(erase.code == 0);
  for (std::size_t i = 0; i < 2; ++i) CHECK(read_file(boards.flash_file(i)) == Bytes(1 << 20, 0xFF));
}

TEST_CASE("many boards: one board failing leaves the others to finish, and the summary names it", "[many_boards]") {
  TempDir dir;
  Boards boards(dir, 2);
  auto args = boards.args({"read_flash", "0", "0x20000", (dir / "b-{port}.bin").string()});
  args.insert(args.begin() + 2, {"-p", "socket://127.0.0.1:1"});  // nothing listens there
  auto r = run_espbak(args, 60s);
  INFO(describe(r));
  CHECK(r.code == 4);  // the failed board's exit code
  CHECK(files_in(dir.path()).size() == 2);
  CHECK(std::regex_search(r.out, std::regex("socket://127\\.0\\.0\\.1:1 +- +- +failed \\(exit 4\\)")));
  CHECK(contains(r.out, "Summary: 3 boards, 2 succeeded, 1 failed"));
  CHECK(contains(r.out, "socket://127.0.0.1:1: cannot connect to socket://127.0.0.1:1"));
  CHECK(contains(r.err, "espbak: error: 1 of 3 boards failed (socket://127.0.0.1:1)\n"));
}

TEST_CASE("many boards: two boards mapping to one file name are refused before anything is read",
          "[many_boards]") {
  TempDir dir;
  // Two boards with one MAC (two espsim processes given the same --mac).
  TempDir other;
  SimOptions so;
  so.chip = "esp32";
  so.flash_size = "1MB";
  so.mac = "24:0a:c4:00:00:01";
  Sim a(dir, so), b(other, so);
  const Bytes before_a = read_file(a.flash_file());
  auto r = run_espbak({"-p", a.port(), "-p", b.port(), "read_flash", "0", "ALL", (dir / "b-{mac}.bin").string()},
                      30s);
  INFO(describe(r));
  CHECK(r.code == 2);
  CHECK(line_count(r.err) == 1);
  CHECK(contains(r.err, "espbak: error: the boards on " + a.port() + " and " + b.port() +
                            " would both write '" + (dir / "b-240ac4000001.bin").string() + "'"));
  CHECK(files_in(dir.path()).empty());  // nothing created, not even a temporary file
  CHECK_FALSE(contains(r.out, "Reading"));
  CHECK(read_file(a.flash_file()) == before_a);

  // Known before connecting: a name without {mac} or {port}, or {port}s
  // two ports share (dir/ttyESP and other/ttyESP). No port is opened.
  auto plain = run_espbak({"-p", a.port(), "-p", b.port(), "read_flash", "0", "ALL", (dir / "{chip}.bin").string()});
  CHECK(plain.code == 2);
  CHECK(line_count(plain.err) == 1);
  CHECK(contains(plain.err, "every board would write"));
  CHECK(plain.out.empty());
  const std::string p1 = (dir / "ttyESP").string(), p2 = (other / "ttyESP").string();
  auto same_port = run_espbak({"-p", p1, "-p", p2, "read_flash", "0", "ALL", (dir / "x-{port}.bin").string()});
  CHECK(same_port.code == 2);
  CHECK(line_count(same_port.err) == 1);
  CHECK(contains(same_port.err, "the boards on " + p1 + " and " + p2 + " would both write"));
  CHECK(same_port.out.empty());
  CHECK(files_in(dir.path()).empty());
}

TEST_CASE("many boards: --json gives an array of one result object per board", "[many_boards]") {
  TempDir dir;
  Boards boards(dir, 2);
  auto args = boards.args({"--json", "read_mac"});
  args.insert(args.begin() + 4, {"-p", "socket://127.0.0.1:1"});
  auto r = run_espbak(args, 30s);
  INFO(describe(r));
  CHECK(r.code == 4);
  const espbak::JsonValue doc = espbak::parse_json(r.out);  // stdout holds the JSON only
  REQUIRE(doc.is_array());
  const auto& objects = *doc.as_array();
  REQUIRE(objects.size() == 3);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(*objects[i].find("command")->as_string() == "read_mac");
    CHECK(*objects[i].find("port")->as_string() == boards.ports[i]);
    CHECK(objects[i].find("ok")->as_bool() == true);
    CHECK(*objects[i].find("chip")->find("mac")->as_string() == "24:0a:c4:12:34:5" + std::to_string(6 + i));
  }
  CHECK(*objects[2].find("port")->as_string() == "socket://127.0.0.1:1");
  CHECK(objects[2].find("ok")->as_bool() == false);
  CHECK(objects[2].find("exit_code")->as_integer() == 4);
  CHECK(contains(r.err, "Summary: 3 boards, 2 succeeded, 1 failed"));  // the table goes to stderr
}

TEST_CASE("many boards: other commands, and --all-ports with -p, are usage errors", "[many_boards]") {
  auto r = run_espbak({"-p", "a", "-p", "b", "chip_id"});
  CHECK(r.code == 2);
  CHECK(r.err == "espbak: error: chip_id runs on one board (--port given 2 times); several boards at once work "
                 "with read_mac, flash_id, read_flash, write_flash, erase_flash and verify_flash\n");
  auto both = run_espbak({"--all-ports", "-p", "a", "read_mac"});
  CHECK(both.code == 2);
  CHECK(line_count(both.err) == 1);
  auto twice = run_espbak({"-p", "a", "-p", "a", "read_mac"});
  CHECK(twice.code == 2);
  CHECK(contains(twice.err, "--port a is given twice"));
  auto field = run_espbak({"-p", "a", "-p", "b", "read_flash", "0", "ALL", "x-{serial}.bin"});
  CHECK(field.code == 2);
  CHECK(contains(field.err, "unknown field '{serial}'"));
}

TEST_CASE("many boards: SIGINT stops every board and leaves no file", "[many_boards]") {
  TempDir dir;
  Boards boards(dir, 2, {}, false, "realistic");
  const std::string name = (dir / "r-{port}.bin").string();
  Process p(ESPBAK_BIN, boards.args({"-b", "921600", "read_flash", "--no-skip-erased", "0", "ALL", name}));
  std::vector<fs::path> finals;
  for (const auto& port : boards.ports) finals.push_back(dir / ("r-" + Boards::label(port) + ".bin"));
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while ((temporary_files(finals[0]).empty() || temporary_files(finals[1]).empty()) && p.running() &&
         std::chrono::steady_clock::now() < deadline)
    p.read_line(20ms);
  REQUIRE_FALSE(temporary_files(finals[0]).empty());
  REQUIRE_FALSE(temporary_files(finals[1]).empty());
  p.signal(SIGINT);
  auto code = p.wait(30s);
  REQUIRE(code.has_value());
  INFO(p.out << p.err);
  CHECK(*code == 130);
  for (const auto& f : finals) {
    CHECK_FALSE(fs::exists(f));
    CHECK(temporary_files(f).empty());
  }
  CHECK(std::regex_search(p.out, std::regex("interrupted \\(SIGINT\\)[^\n]*\n[^\n]*interrupted \\(SIGINT\\)")));
  CHECK(contains(p.err, "espbak: error: 2 of 2 boards failed"));
}
