#pragma once
// One espbak command, declared once: its name (the dashed spelling is
// derived), help, arguments and handler. command_table.cpp lists them all.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "option_spec.hpp"
#include "parsed_args.hpp"
#include "espbak/ops/baud_policy.hpp"
#include "espbak/ops/report.hpp"
#include "espbak/ops/session.hpp"

namespace espbak::cli {

// What a handler gets: the values given to its command and the global ones.
struct Invocation {
  const ParsedArgs& args;
  const ParsedArgs& global;
  Reporter& report;
  // The exit status of a command whose answer is not plain success and not
  // an error either (diff: 1 when the files differ, as diff(1)); errors
  // keep their ErrorKind codes (docs/exit-codes.md). 0 unless set.
  mutable int status = 0;
};

// The work on a connected chip, prepared before the port is opened.
using SessionStep = std::function<void(Session&)>;

// Whether a command runs on several boards at once (-p given more than
// once, --all-ports; docs/cli.md "Many boards"), and which of its arguments
// are file names that take {mac} {chip} {port} {date} per board.
enum class ManyBoards {
  no,           // several ports: a usage error
  yes,          // no file names
  output_file,  // "filename", written by each board (two boards, one name: refused)
  input_files,  // the files of "addr_filename", read for each board
};

struct CommandSpec {
  // esptool v4 spelling, "read_flash"; dashed_alias() gives v5's "read-flash".
  std::string name;
  std::string help;
  // Positionals and options, in the order --help lists them.
  std::vector<OptionSpec> arguments;
  // Decides the default baud rate (plan_baud).
  Traffic traffic = Traffic::short_exchange;
  // A command that needs no chip (version, list_ports) sets run_offline; the
  // others set prepare, which checks every argument and file before the
  // port is opened (throwing Error) and returns what to run on the Session.
  void (*run_offline)(const Invocation&) = nullptr;
  SessionStep (*prepare)(const Invocation&) = nullptr;
  // A command with both handlers (partition_table [FILE]) runs offline when
  // this says so of its arguments, else on a chip.
  bool (*offline_when)(const ParsedArgs&) = nullptr;
  // The step leaves the chip running code of the user's (load_ram): no
  // --after step follows, as esptool prints "Exiting immediately.".
  bool leaves_chip_running = false;
  ManyBoards many_boards = ManyBoards::no;
  // An esptool command espbak does not implement (yet): any arguments are
  // taken, nothing is opened, and this one line says what to use instead
  // (exit 9). Empty for the commands espbak has.
  std::string refusal;
};

// "read_flash" -> "read-flash"; a name without underscores is its own alias.
inline std::string dashed_alias(std::string_view name) {
  std::string dashed(name);
  for (auto& c : dashed)
    if (c == '_') c = '-';
  return dashed;
}

}  // namespace espbak::cli
