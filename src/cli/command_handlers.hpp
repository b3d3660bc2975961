#pragma once
// What each command does with its parsed arguments: the handlers the
// command table (command_table.cpp) points to. Argument checks throw
// Error(usage) with the messages docs/errors.md lists.
#include "command_spec.hpp"

namespace espbak::cli {

// Commands that need no chip.
void run_version(const Invocation& call);
void run_list_ports(const Invocation& call);
void run_image_info(const Invocation& call);
void run_merge_bin(const Invocation& call);
void run_partition_table_file(const Invocation& call);  // partition_table FILE
void run_diff(const Invocation& call);  // sets call.status: 0 identical, 1 different

// Commands on a chip: checks before the port is opened, then the work.
SessionStep prepare_chip_id(const Invocation& call);
SessionStep prepare_read_mac(const Invocation& call);
SessionStep prepare_flash_id(const Invocation& call);
SessionStep prepare_get_security_info(const Invocation& call);
SessionStep prepare_read_flash(const Invocation& call);
SessionStep prepare_write_flash(const Invocation& call);
SessionStep prepare_erase_flash(const Invocation& call);
SessionStep prepare_erase_region(const Invocation& call);
SessionStep prepare_verify_flash(const Invocation& call);
SessionStep prepare_read_mem(const Invocation& call);
SessionStep prepare_write_mem(const Invocation& call);
SessionStep prepare_dump_mem(const Invocation& call);
SessionStep prepare_read_flash_status(const Invocation& call);
SessionStep prepare_write_flash_status(const Invocation& call);
SessionStep prepare_read_flash_sfdp(const Invocation& call);
SessionStep prepare_load_ram(const Invocation& call);
SessionStep prepare_run(const Invocation& call);
SessionStep prepare_partition_table(const Invocation& call);

// nvs_dump: a FILE is read offline, else --partition from the chip.
bool nvs_dump_offline(const ParsedArgs& args);  // nvs_dump FILE runs without a chip
void run_nvs_dump(const Invocation& call);
SessionStep prepare_nvs_dump(const Invocation& call);

}  // namespace espbak::cli
