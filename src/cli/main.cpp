// espbak: esptool-compatible command line. The commands and options are a
// table (command_table.cpp); this builds the parser from it, runs the chosen
// command (checks first, then the port, then the work on the chip), and
// maps errors to exit codes (docs/exit-codes.md) in exactly one place: here.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli11_parser.hpp"
#include "command_table.hpp"
#include "config_file.hpp"
#include "console_reporter.hpp"
#include "global_options.hpp"
#include "many_boards.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/ops/session.hpp"
#include "espbak/util/error.hpp"

namespace {

using espbak::Error;
using espbak::ErrorKind;
using espbak::cli::ConsoleReporter;

void print_json(ConsoleReporter& report) {
  std::printf("%s\n", report.json().dump().c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  espbak::install_interruption_handlers();
  const espbak::cli::ProgramSpec& spec = espbak::cli::program_spec();
  espbak::cli::Cli11Parser parser(spec);
  try {
    parser.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return parser.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return parser.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return parser.exit(e);
  } catch (const CLI::ParseError& e) {
    const espbak::cli::UsageMessage msg = parser.usage_error_message(e);
    std::fflush(stdout);
    std::fprintf(stderr, "espbak: error: %s\n", msg.line.c_str());
    if (!msg.usage.empty()) std::fprintf(stderr, "%s%s", msg.usage.c_str(), msg.usage.back() == '\n' ? "" : "\n");
    return static_cast<int>(ErrorKind::usage);
  }

  const espbak::cli::ParsedArgs& global = parser.global();
  const bool json = global.flag("json");
  espbak::cli::ConsoleMode mode;
  mode.quiet = global.flag("quiet") || global.flag("silent");
  mode.json = json;
  const bool stderr_tty = isatty(STDERR_FILENO) != 0;
  mode.progress_tty = stderr_tty;
  mode.progress_plain = !stderr_tty;
  mode.width = espbak::cli::terminal_width(STDERR_FILENO);
  const espbak::cli::CommandSpec& command = parser.chosen();
  // -p/--no-progress after read_flash / write_flash (esptool v5).
  for (const auto& option : command.arguments)
    if (espbak::cli::option_key(option) == "no-progress" && parser.args_of(command).flag("no-progress"))
      mode.progress_tty = mode.progress_plain = false;
  ConsoleReporter report(mode);
  report.json().set("command", command.name);

  auto fail = [&](int code, const std::string& message) {
    report.error(message);
    if (json) {
      report.json().set("ok", false);
      report.json().set("error", message);
      report.json().set("exit_code", code);
      print_json(report);
    }
    return code;
  };

  try {
    const espbak::cli::Invocation call{parser.args_of(command), global, report};
    if (!command.refusal.empty()) throw Error(ErrorKind::unsupported, command.refusal);
    espbak::cli::refuse_unsupported_options(spec.global_options, global);
    espbak::cli::refuse_unsupported_options(command.arguments, parser.args_of(command));
    const bool many_boards = espbak::cli::many_boards_requested(global);  // docs/cli.md "Many boards"
    if (many_boards) espbak::cli::check_many_boards_command(command, global);
    if (std::string version = espbak::cli::option_or_env(global, "stub-version", "ESPTOOL_STUB_VERSION");
        (version == "1" || version == "2") && !global.flag("no-stub"))
      report.info(fmt::format("Note: --stub-version {} is taken as given; espbak carries one stub build, "
                              "esptool-js 0.7.0's (docs/stub.md).",
                              version));
    if (command.run_offline && (!command.offline_when || command.offline_when(call.args))) {
      command.run_offline(call);
    } else {
      // esptool's config file, as esptool reads it before every command
      // that talks to a chip (a bad value stops here, nothing opened).
      std::optional<espbak::cli::ConfigValues> config;
      if (auto file = espbak::cli::find_config_file(espbak::cli::ConfigSearch::from_environment(),
                                                    [&](const std::string& note) { report.info("Note: " + note); })) {
        config = espbak::cli::read_config_values(file->entries);
        auto messages = espbak::cli::config_messages(*file, *config);
        for (const auto& line : messages.info) report.info(line);
      }
      espbak::SessionOptions options =
          espbak::cli::session_options(global, command.traffic, config ? &*config : nullptr);
      if (many_boards) return espbak::cli::run_many_boards(command, call, options, mode);
      espbak::cli::SessionStep step = command.prepare(call);  // every check before the port is opened
      espbak::Session session(options, report);
      session.connect();
      try {
        step(session);
      } catch (const espbak::Interrupted& e) {
        // The step's files are gone by now; the chip is left as --after says.
        throw e.with(session.finish_after_interrupt(), "; ");
      }
      if (command.leaves_chip_running) report.info("Exiting immediately.");
      else session.finish();
    }
    if (call.status != 0) report.json().set("exit_code", call.status);
    if (json) {
      report.json().set("ok", true);
      print_json(report);
    }
    return call.status;
  } catch (const espbak::Interrupted& e) {
    // One line, then the process ends by the signal (status 128 + N). A
    // closed stdout (SIGPIPE) must not turn the JSON into a second signal.
    espbak::ignore_broken_pipe();
    fail(128 + e.signal(), e.what());
    std::fflush(nullptr);
    espbak::end_by_signal(e.signal());
  } catch (const Error& e) {
    std::string msg = e.what();
    std::replace(msg.begin(), msg.end(), '\n', ' ');
    return fail(e.exit_code(), msg);
  } catch (const std::exception& e) {
    return fail(static_cast<int>(ErrorKind::internal), std::string("internal error: ") + e.what());
  }
}
