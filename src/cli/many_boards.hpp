#pragma once
// A command on several boards at once: -p given more than once, or
// --all-ports (docs/cli.md "Many boards"). Each board gets its own Session
// in its own thread, its own file names from the command's templates, and
// its own prefixed lines; the run ends with a summary table and, with
// --json, an array of the boards' result objects.
#include "command_spec.hpp"
#include "console_reporter.hpp"
#include "parsed_args.hpp"
#include "espbak/ops/session.hpp"

namespace espbak::cli {

// Whether the command line asks for several boards: -p more than once, or
// --all-ports.
bool many_boards_requested(const ParsedArgs& global);

// Error(usage), before anything is opened, when `command` cannot run on
// several boards or --all-ports is given with -p.
void check_many_boards_command(const CommandSpec& command, const ParsedArgs& global);

// Runs `command` on every board and returns the exit code: 0 when every
// board succeeded, else the first failed board's (in the order the ports
// were given). Errors that stop the whole run before any board reads or
// writes (a bad template, two boards naming one file) are thrown as
// Error. After a signal the process ends by it, once the summary is out.
// `base`: session_options() of the command line; `report` is main's, for
// the lines of no particular board.
int run_many_boards(const CommandSpec& command, const Invocation& call, const SessionOptions& base,
                    const ConsoleMode& mode);

}  // namespace espbak::cli
