// Many boards in one command (ops/many_boards.hpp): the file-name fields,
// the rule that two boards never write one file, a board's outcome, and
// one thread per board; and the signal handler's temporary-file slots that
// several boards' files need at once.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "espbak/ops/interruption.hpp"
#include "espbak/ops/many_boards.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;

namespace {

BoardFields connected(std::string port, std::string mac, std::string chip = "esp32") {
  return BoardFields{std::move(port), "2025-03-14", std::move(mac), std::move(chip)};
}

std::string error_of(const std::function<void()>& f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    CHECK(e.kind() == kind);
    return e.what();
  }
  FAIL("no error");
  return {};
}

}  // namespace

TEST_CASE("{port} is the port's name made file-name safe", "[many_boards]") {
  CHECK(port_file_name("/dev/ttyUSB0") == "ttyUSB0");
  CHECK(port_file_name("socket://localhost:5000") == "localhost-5000");
  CHECK(port_file_name("rfc2217://192.168.1.20:4000") == "192.168.1.20-4000");
  CHECK(port_file_name("rfc2217://[::1]:4000") == "1-4000");
  CHECK(port_file_name("COM3") == "COM3");
  CHECK(port_file_name("\\\\.\\COM10") == "COM10");
  CHECK(port_file_name("/dev/serial/by-id/usb-Silicon_Labs_CP2102 (port 0)") == "usb-Silicon_Labs_CP2102-port-0");
  CHECK(port_file_name("/dev/cu.usbserial-0001") == "cu.usbserial-0001");
  // Never a hidden file, "..", an empty name or one read as an option.
  CHECK(port_file_name("/tmp/..") == "port");
  CHECK(port_file_name("/tmp/") == "port");
  CHECK(port_file_name("-x") == "x");
  CHECK(port_file_name(".hidden") == "hidden");
}

TEST_CASE("{mac} is bare lower-case hex and {date} the local ISO date", "[many_boards]") {
  CHECK(mac_file_name({0x24, 0x0A, 0xC4, 0x00, 0x00, 0x01}) == "240ac4000001");
  std::tm noon{};
  noon.tm_year = 2025 - 1900;
  noon.tm_mon = 2;
  noon.tm_mday = 4;
  noon.tm_hour = 12;
  noon.tm_isdst = -1;
  CHECK(date_file_name(std::chrono::system_clock::from_time_t(std::mktime(&noon))) == "2025-03-04");
}

TEST_CASE("a name template expands its fields per board", "[many_boards]") {
  NameTemplate name("backups/{chip}-{mac}-{port}-{date}.bin");
  CHECK(name.has_fields());
  CHECK(name.per_board());
  CHECK(name.needs_connection());
  CHECK(name.expand(connected("ttyUSB0", "240ac4000001")) == "backups/esp32-240ac4000001-ttyUSB0-2025-03-14.bin");

  NameTemplate by_port("b-{port}.bin");
  CHECK(by_port.per_board());
  CHECK_FALSE(by_port.needs_connection());
  // {port} and {date} are known before the board is connected.
  CHECK(by_port.expand(BoardFields{"ttyUSB1", "2025-03-14", {}, {}}) == "b-ttyUSB1.bin");

  // {chip} and {date} can be the same on every board: not per board.
  CHECK_FALSE(NameTemplate("{chip}-{date}.bin").per_board());
  CHECK(NameTemplate("{chip}.bin").needs_connection());

  // No field, and a '}' outside one: the name as written.
  NameTemplate plain("plain}.bin");
  CHECK_FALSE(plain.has_fields());
  CHECK(plain.expand(connected("a", "b")) == "plain}.bin");
}

TEST_CASE("a bad name template is one line naming the problem", "[many_boards]") {
  auto unknown = error_of([] { NameTemplate("x-{serial}.bin"); }, ErrorKind::usage);
  CHECK(unknown ==
        "file name 'x-{serial}.bin': unknown field '{serial}' (the fields are {mac}, {chip}, {port}, {date})");
  auto open = error_of([] { NameTemplate("x-{mac.bin"); }, ErrorKind::usage);
  CHECK(open == "file name 'x-{mac.bin': '{' without a closing '}' (the fields are {mac}, {chip}, {port}, {date})");
  error_of([] { NameTemplate("{}"); }, ErrorKind::usage);
  error_of([] { NameTemplate("{MAC}"); }, ErrorKind::usage);  // the fields are lower case
}

TEST_CASE("{mac} of a chip whose MAC is unknown is refused, not guessed", "[many_boards]") {
  NameTemplate name("b-{mac}.bin");
  BoardFields secure{"ttyUSB0", "2025-03-14", std::nullopt, std::string("esp32s3")};  // Secure Download Mode
  auto why = error_of([&] { name.expand(secure); }, ErrorKind::unsupported);
  CHECK(why.find("{mac} has no value") != std::string::npos);
  // Asked before connecting: a programming error, not a user's.
  CHECK_THROWS_AS(name.expand(BoardFields{"ttyUSB0", "2025-03-14", {}, {}}), std::logic_error);
}

TEST_CASE("two boards never write one file", "[many_boards]") {
  CHECK_NOTHROW(refuse_shared_names({"/dev/ttyUSB0", "/dev/ttyUSB1"}, {"a.bin", "b.bin"}));
  // A board that writes nothing (it failed to connect) takes no name.
  CHECK_NOTHROW(refuse_shared_names({"/dev/ttyUSB0", "/dev/ttyUSB1", "/dev/ttyUSB2"}, {"a.bin", "", ""}));
  auto why = error_of([] { refuse_shared_names({"/a/ttyUSB0", "/b/ttyUSB1", "/b/ttyUSB0"}, {"x-ttyUSB0.bin", "y.bin",
                                                                                         "x-ttyUSB0.bin"}); },
                      ErrorKind::usage);
  CHECK(why == "the boards on /a/ttyUSB0 and /b/ttyUSB0 would both write 'x-ttyUSB0.bin': two boards never write "
               "one file (put {mac} or {port} in the name)");
  // The same name reached through two templates' fields: {chip} alone on two ESP32s.
  NameTemplate by_chip("{chip}.bin");
  const std::vector<std::string> names = {by_chip.expand(connected("p0", "240ac4000001")),
                                          by_chip.expand(connected("p1", "240ac4000002"))};
  CHECK_THROWS_AS(refuse_shared_names({"p0", "p1"}, names), Error);
}

TEST_CASE("a board's outcome holds its error's code and line, and its time", "[many_boards]") {
  BoardOutcome ok;
  run_caught(ok, [] { std::this_thread::sleep_for(std::chrono::milliseconds(20)); });
  CHECK(ok.ok);
  CHECK(ok.seconds >= 0.015);

  BoardOutcome port;
  run_caught(port, [] { throw Error(ErrorKind::port, "cannot open /dev/ttyUSB9:\nno such device"); });
  CHECK_FALSE(port.ok);
  CHECK(port.exit_code == 4);
  CHECK(port.error == "cannot open /dev/ttyUSB9: no such device");  // one line
  bool ran = false;
  run_caught(port, [&] { ran = true; });  // a failed board does no more work
  CHECK_FALSE(ran);

  BoardOutcome signalled;
  run_caught(signalled, [] { throw Interrupted(2, "interrupted by SIGINT"); });
  CHECK(signalled.signal == 2);
  CHECK(signalled.exit_code == 130);

  BoardOutcome bug;
  run_caught(bug, [] { throw std::runtime_error("oops"); });
  CHECK(bug.exit_code == 10);
  CHECK(bug.error == "internal error: oops");
}

TEST_CASE("every board's work runs once, all at the same time", "[many_boards]") {
  constexpr std::size_t kBoards = 6;
  std::mutex lock;
  std::condition_variable all_here;
  std::size_t arrived = 0;
  std::multiset<std::size_t> seen;
  std::atomic<int> saw_everyone{0};
  on_every_board(kBoards, [&](std::size_t i) {
    std::unique_lock<std::mutex> hold(lock);
    seen.insert(i);
    ++arrived;
    all_here.notify_all();
    // Only threads running side by side all get here before the timeout.
    if (all_here.wait_for(hold, std::chrono::seconds(10), [&] { return arrived == kBoards; })) ++saw_everyone;
  });
  CHECK(saw_everyone == int(kBoards));
  CHECK(seen == std::multiset<std::size_t>{0, 1, 2, 3, 4, 5});
}

TEST_CASE("each temporary file has a slot of its own for the signal handler", "[many_boards]") {
  std::vector<int> slots;
  for (int i = 0; i < kTemporaryFileSlots; ++i) {
    int slot = register_temporary_file("/tmp/espbak-slot-test-" + std::to_string(i) + ".part");
    REQUIRE(slot >= 0);
    slots.push_back(slot);
  }
  CHECK(std::set<int>(slots.begin(), slots.end()).size() == slots.size());
  CHECK(register_temporary_file("/tmp/one-too-many.part") == kNoSlotFree);
  unregister_temporary_file(slots[3]);
  const int again = register_temporary_file("/tmp/espbak-slot-test-again.part");
  CHECK(again == slots[3]);  // a freed slot is taken again
  slots[3] = again;
  CHECK(register_temporary_file(std::string(5000, 'x')) == kPathTooLong);
  for (int slot : slots) unregister_temporary_file(slot);
}
