#pragma once
// `espbak list_ports`: every serial port with its USB details.
#include <string>
#include <vector>

#include "espbak/ops/report.hpp"

namespace espbak::cli {

// Lists the system's ports (and the ESPBAK_PORTS entries when `port_list` is
// not empty), filtered by --port-filter, in the order discovery tries them.
void list_ports(Reporter& report, const std::string& port_list, const std::vector<std::string>& port_filters);

}  // namespace espbak::cli
