// Bad input: one clear line on stderr and a non-zero exit, nothing else.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace e2e;

namespace {
void expect_one_line_error(const RunResult& r, int code, std::initializer_list<const char*> words) {
  INFO("exit " << r.code << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  CHECK_FALSE(r.timed_out);
  CHECK(r.code == code);
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.rfind("espbak: error: ", 0) == 0);
  for (const char* w : words) CHECK(r.err.find(w) != std::string::npos);
}
}  // namespace

TEST_CASE("unknown command and bad --chip value are usage errors", "[errors]") {
  expect_one_line_error(run_espbak({"-p", "socket://127.0.0.1:1", "frobnicate"}), 2, {"frobnicate"});
  expect_one_line_error(run_espbak({"-p", "socket://127.0.0.1:1", "--chip", "esp99", "flash_id"}), 2, {"esp99"});
  expect_one_line_error(run_espbak({"-p", "socket://127.0.0.1:1", "--before", "sometimes", "flash_id"}), 2,
                        {"sometimes"});
}

TEST_CASE("a missing argument names it and prints the command's usage line", "[errors]") {
  auto r = run_espbak({"read_flash", "0", "ALL"});
  INFO("stderr:\n" << r.err);
  CHECK(r.code == 2);
  CHECK(r.err == "espbak: error: read_flash: FILENAME is missing\nusage: espbak read_flash [options] ADDRESS SIZE FILENAME\n");
  auto none = run_espbak({}, std::chrono::seconds(5), {"ESPBAK_PORT=", "ESPTOOL_PORT="});
  CHECK(none.code == 2);
  CHECK(none.err.rfind("espbak: error: no command given\n", 0) == 0);
  CHECK(none.err.find("write_flash") != std::string::npos);  // the command list follows
}

TEST_CASE("unreachable port and missing device are port errors", "[errors]") {
  expect_one_line_error(run_espbak({"-p", "socket://127.0.0.1:1", "flash_id"}), 4, {"127.0.0.1:1"});
  expect_one_line_error(run_espbak({"-p", "/dev/espbak-does-not-exist", "flash_id"}), 4,
                        {"/dev/espbak-does-not-exist"});
}

TEST_CASE("missing --port names the problem", "[errors]") {
  // Without a port, discovery tries the candidates and names what it tried.
  auto r = run_espbak({"-q", "flash_id"}, std::chrono::seconds(10),
                      {"ESPBAK_PORT=", "ESPTOOL_PORT=", "ESPBAK_PORTS=/dev/espbak-does-not-exist"});
  expect_one_line_error(r, 4, {"/dev/espbak-does-not-exist", "--port"});
}

TEST_CASE("a --chip of esp32 against an ESP8266 names both chips", "[errors]") {
  TempDir dir;
  SimOptions so;
  so.chip = "esp8266";
  Sim sim(dir, so);
  auto r = run_espbak({"-p", sim.port(), "--chip", "esp32", "flash_id"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err << "\nespsim:\n" << sim.log());
  CHECK(r.code == 2);  // a usage error: the wrong --chip, not a broken link
  CHECK(line_count(r.err) == 1);
  CHECK(r.err.find("ESP32") != std::string::npos);
  CHECK(r.err.find("ESP8266") != std::string::npos);
}

TEST_CASE("help and version need no port", "[errors]") {
  auto h = run_espbak({"--help"}, std::chrono::seconds(5));
  CHECK(h.code == 0);
  CHECK(h.out.find("write_flash") != std::string::npos);
  CHECK(h.seconds < 2.0);
  auto v = run_espbak({"version"}, std::chrono::seconds(5), {"ESPBAK_PORT=", "ESPTOOL_PORT="});
  CHECK(v.code == 0);
  CHECK(v.out.rfind("espbak ", 0) == 0);
  CHECK(v.out.find("stub") != std::string::npos);
  auto f = run_espbak({"--version"}, std::chrono::seconds(5), {"ESPBAK_PORT=", "ESPTOOL_PORT="});
  CHECK(f.code == 0);
  CHECK(f.out.rfind("espbak ", 0) == 0);
  CHECK(f.err.empty());
}
