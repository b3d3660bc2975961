// ops: list_ports with ports named by ESPBAK_PORTS. A --port-filter on a
// name no real port has keeps the machine's own ports out of the result.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "espbak/ops/list_ports.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;

namespace {

struct RecordingReporter : Reporter {
  std::vector<std::string> infos, results;
  void info(const std::string& line) override { infos.push_back(line); }
  void warning(const std::string&) override {}
  void result(const std::string& line) override { results.push_back(line); }
  void progress(std::string_view, std::uint64_t, std::uint64_t) override {}
  void progress_end() override {}
};

}  // namespace

TEST_CASE("list_ports shows listed ports first, in the order given, as lines and JSON") {
  RecordingReporter report;
  cmd_list_ports(report, {.port_list = "rfc2217://espbak-unit-b:1, /dev/espbak-unit-a",
                          .port_filters = {"name=espbak-unit-"}});
  REQUIRE(report.results.size() == 2);
  CHECK(report.results[0] == "rfc2217://espbak-unit-b:1  ----:----  (from ESPBAK_PORTS)");
  CHECK(report.results[1] == "/dev/espbak-unit-a  ----:----  (from ESPBAK_PORTS)");
  CHECK(report.infos.empty());
  const std::string json = report.json().dump();
  CHECK(json.find(R"("ports":[{"device":"rfc2217://espbak-unit-b:1",)") != std::string::npos);
  CHECK(json.find(R"("esp_bridge":false,"from_espbak_ports":true)") != std::string::npos);
}

TEST_CASE("list_ports says so when the filter leaves nothing") {
  RecordingReporter report;
  cmd_list_ports(report, {.port_list = "/dev/espbak-unit-a", .port_filters = {"name=espbak-unit-none"}});
  CHECK(report.results.empty());
  CHECK(report.infos == std::vector<std::string>{"No serial ports match --port-filter."});
  CHECK(report.json().dump() == R"({"ports":[]})");
}

TEST_CASE("list_ports refuses a malformed --port-filter as a usage error") {
  RecordingReporter report;
  try {
    cmd_list_ports(report, {.port_list = "", .port_filters = {"colour=blue"}});
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::usage);
  }
}
