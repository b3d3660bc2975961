#pragma once
// `espbak list_ports`: every port discovery would try, with its USB details.
// Needs no chip: it only asks the OS (and reads the ESPBAK_PORTS list).
#include <string>
#include <vector>

#include "espbak/ops/report.hpp"

namespace espbak {

struct ListPortsArgs {
  std::string port_list;                  // ESPBAK_PORTS; empty: none
  std::vector<std::string> port_filters;  // --port-filter
};

// One result line per port, in the order discovery tries them (listed
// ports first, as listed), and a "ports" array in the JSON object. Throws
// Error(usage) for a malformed filter.
void cmd_list_ports(Reporter& report, const ListPortsArgs& args);

}  // namespace espbak
