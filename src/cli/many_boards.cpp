#include "many_boards.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "board_console.hpp"
#include "command_table.hpp"
#include "espbak/chips/chip.hpp"
#include "espbak/link/discovery.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/ops/many_boards.hpp"
#include "espbak/util/error.hpp"

namespace espbak::cli {

namespace {

// One board of the run, from its port to its outcome.
struct Board {
  std::string port;
  std::string label;  // the "[label] " of its lines
  std::unique_ptr<Session> session;
  BoardOutcome outcome;
  BoardFields fields;
  std::optional<ParsedArgs> args;  // the command's arguments with this board's file names
  SessionStep step;
  std::vector<std::string> files;  // the summary's FILE column
  bool skipped = false;            // --all-ports: no chip answered on the port
};

// The command's file names that take fields, parsed before anything is opened.
struct Templates {
  ManyBoards kind = ManyBoards::yes;
  std::optional<NameTemplate> output;                        // read_flash FILENAME
  std::vector<std::pair<std::size_t, NameTemplate>> inputs;  // the files' positions in addr_filename

  bool needs_connection() const {
    if (output && output->needs_connection()) return true;
    return std::any_of(inputs.begin(), inputs.end(), [](const auto& in) { return in.second.needs_connection(); });
  }
};

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string many_board_commands() {
  std::vector<std::string> names;
  for (const auto& command : program_spec().commands)
    if (command.many_boards != ManyBoards::no) names.push_back(command.name);
  if (names.size() < 2) return join(names, "");
  const std::string last = names.back();
  names.pop_back();
  return join(names, ", ") + " and " + last;
}

Templates read_templates(const CommandSpec& command, const ParsedArgs& args) {
  Templates t;
  t.kind = command.many_boards;
  if (t.kind == ManyBoards::output_file) t.output.emplace(args.text("filename"));
  if (t.kind == ManyBoards::input_files) {
    const auto& items = args.list("addr_filename");
    for (std::size_t i = 1; i < items.size(); i += 2) t.inputs.emplace_back(i, NameTemplate(items[i]));
  }
  return t;
}

// The ports of the run: every -p, or every candidate of discovery
// (--all-ports: ESPBAK_PORTS, else the system's ports, --port-filter).
std::vector<std::string> requested_ports(const ParsedArgs& global, const SessionOptions& base, Reporter& report) {
  if (!global.flag("all-ports")) {
    std::vector<std::string> ports = global.every("port");
    std::set<std::string> seen;
    for (const auto& port : ports)
      if (!seen.insert(port).second)
        throw Error(ErrorKind::usage, fmt::format("--port {} is given twice: one board, one --port", port));
    return ports;
  }
  const bool from_list = !base.port_list.empty();
  std::vector<PortInfo> candidates = order_candidates(
      from_list ? parse_port_list(base.port_list) : enumerate_serial_ports(), parse_port_filters(base.port_filters));
  if (candidates.empty())
    throw Error(ErrorKind::port, fmt::format("--all-ports: no serial port found ({}{})",
                                             from_list ? "ESPBAK_PORTS lists none" : "none reported by the system",
                                             base.port_filters.empty() ? "" : " matching --port-filter"));
  report.info(fmt::format("--all-ports: trying {} serial port{} from {}", candidates.size(),
                          candidates.size() == 1 ? "" : "s", from_list ? "ESPBAK_PORTS" : "the system"));
  std::vector<std::string> ports;
  for (const auto& c : candidates) ports.push_back(c.device);
  return ports;
}

// Each board's line prefix: its {port} name, or the port itself where two
// ports share a name (/dev/ttyUSB0 and /tmp/ttyUSB0).
std::vector<std::string> labels_for(const std::vector<std::string>& ports) {
  std::map<std::string, int> uses;
  for (const auto& port : ports) ++uses[port_file_name(port)];
  std::vector<std::string> labels;
  for (const auto& port : ports) labels.push_back(uses[port_file_name(port)] > 1 ? port : port_file_name(port));
  return labels;
}

// The board's arguments with its file names, and its FILE column.
void fill_names(Board& board, const Templates& t, const ParsedArgs& args) {
  ParsedArgs mine = args;
  board.files.clear();
  if (t.output) {
    mine.replace_text("filename", t.output->expand(board.fields));
    board.files.push_back(mine.text("filename"));
  }
  if (!t.inputs.empty()) {
    std::vector<std::string> items = args.list("addr_filename");
    for (const auto& [at, name] : t.inputs) {
      items[at] = name.expand(board.fields);
      board.files.push_back(items[at]);
    }
    mine.replace_list("addr_filename", std::move(items));
  }
  board.args = std::move(mine);
}

// The command's checks for one board (its files read, its output name
// checked): an error stops the whole run, naming the board.
void prepare_board(Board& board, const CommandSpec& command, const Invocation& call, Reporter& report) {
  try {
    board.step = command.prepare(Invocation{*board.args, call.global, report});
  } catch (const Error& e) {
    throw Error(e.kind(), fmt::format("{} (the board on {}); no board was started", e.what(), board.port));
  }
}

// read_flash FILE: one file per board. A name without {mac} or {port} is
// refused before anything is opened.
void refuse_output_without_board_field(const Templates& t, const char* command) {
  if (t.output && !t.output->per_board())
    throw Error(ErrorKind::usage, fmt::format("{}: every board would write '{}': put {{mac}} or {{port}} in the file "
                                              "name (two boards never write one file)",
                                              command, t.output->text()));
}

// Two boards whose names came out the same ({port} names two ports share,
// {chip} alone): refused before any board reads.
void refuse_shared_output(const Templates& t, const std::vector<Board>& boards) {
  if (!t.output) return;
  std::vector<std::string> ports, names;
  for (const auto& b : boards) {
    if (!b.outcome.ok || b.skipped || b.files.empty()) continue;
    ports.push_back(b.port);
    names.push_back(b.files.front());
  }
  refuse_shared_names(ports, names);
}

std::string summary_table(const std::vector<Board>& boards) {
  struct Row {
    std::string port, chip, mac, result, time, file;
  };
  std::vector<Row> rows = {{"PORT", "CHIP", "MAC", "RESULT", "TIME", "FILE"}};
  std::size_t failed = 0, total = 0;
  std::string reasons;
  for (const auto& b : boards) {
    if (b.skipped) continue;
    ++total;
    Row row;
    row.port = b.port;
    const bool connected = b.fields.chip.has_value();
    row.chip = connected ? std::string(b.session->chip().name) : "-";
    row.mac = connected && b.session->mac() ? format_mac(*b.session->mac()) : "-";
    row.result = b.outcome.ok       ? "ok"
                 : b.outcome.signal ? fmt::format("interrupted ({})", signal_name(b.outcome.signal))
                                    : fmt::format("failed (exit {})", b.outcome.exit_code);
    row.time = fmt::format("{:.1f} s", b.outcome.seconds);
    row.file = b.files.empty() ? "-" : join(b.files, " ");
    rows.push_back(row);
    if (!b.outcome.ok) {
      ++failed;
      reasons += fmt::format("{}: {}\n", b.port, b.outcome.error);
    }
  }
  std::size_t w[5] = {};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.port.size());
    w[1] = std::max(w[1], r.chip.size());
    w[2] = std::max(w[2], r.mac.size());
    w[3] = std::max(w[3], r.result.size());
    w[4] = std::max(w[4], r.time.size());
  }
  std::string out = fmt::format("Summary: {} board{}, {} succeeded, {} failed\n", total, total == 1 ? "" : "s",
                                total - failed, failed);
  for (const auto& r : rows)
    out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<{}}  {:>{}}  {}\n", r.port, w[0], r.chip, w[1], r.mac, w[2],
                       r.result, w[3], r.time, w[4], r.file);
  return out + reasons;
}

}  // namespace

bool many_boards_requested(const ParsedArgs& global) {
  return global.every("port").size() > 1 || global.flag("all-ports");
}

void check_many_boards_command(const CommandSpec& command, const ParsedArgs& global) {
  if (global.flag("all-ports") && global.given("port"))
    throw Error(ErrorKind::usage,
                "--all-ports takes every port discovery finds a chip on: give it or --port, not both");
  if (command.many_boards != ManyBoards::no) return;
  const std::string how = global.flag("all-ports")
                              ? "--all-ports"
                              : fmt::format("--port given {} times", global.every("port").size());
  throw Error(ErrorKind::usage, fmt::format("{} runs on one board ({}); several boards at once work with {}",
                                            command.name, how, many_board_commands()));
}

int run_many_boards(const CommandSpec& command, const Invocation& call, const SessionOptions& base,
                    const ConsoleMode& mode) {
  const bool all_ports = call.global.flag("all-ports");
  // Every check that needs no port first: the templates, then the names
  // and the command's own checks where no field needs a connected board.
  const Templates templates = read_templates(command, call.args);
  const std::vector<std::string> ports = requested_ports(call.global, base, call.report);
  const std::string date = date_file_name(std::chrono::system_clock::now());
  std::vector<Board> boards(ports.size());
  const std::vector<std::string> labels = labels_for(ports);
  for (std::size_t i = 0; i < ports.size(); ++i) {
    boards[i].port = ports[i];
    boards[i].label = labels[i];
    boards[i].fields.port = port_file_name(ports[i]);
    boards[i].fields.date = date;
  }
  if (boards.size() > 1) refuse_output_without_board_field(templates, command.name.c_str());
  BoardConsole console(mode, labels);
  if (!templates.needs_connection()) {
    for (auto& b : boards) fill_names(b, templates, call.args);
    refuse_shared_output(templates, boards);
    for (std::size_t i = 0; i < boards.size(); ++i) prepare_board(boards[i], command, call, console.board(i));
  } else if (templates.output) {
    // The command's checks of everything but the name's connected fields
    // (address, size, the directory), before any port is opened.
    Board probe;
    probe.port = boards.front().port;
    probe.fields = boards.front().fields;
    probe.fields.mac = "000000000000";
    probe.fields.chip = "chip";
    fill_names(probe, templates, call.args);
    NullReporter quiet;
    prepare_board(probe, command, call, quiet);
  }

  // Connect every board, each in its own thread.
  on_every_board(boards.size(), [&](std::size_t i) {
    Board& b = boards[i];
    SessionOptions options = base;
    options.port = b.port;
    options.candidate = all_ports;
    if (options.trace) options.trace_sink = [&console, i](const std::string& line) { console.board_trace(i, line); };
    Reporter& report = console.board(i);
    report.json().set("command", command.name);
    report.json().set("port", b.port);
    b.session = std::make_unique<Session>(options, report);
    run_caught(b.outcome, [&] {
      b.session->connect();
      b.fields.chip = std::string(b.session->chip().cli_name);
      if (const auto& mac = b.session->mac()) b.fields.mac = mac_file_name(*mac);
    });
    if (b.outcome.ok) return;
    if (all_ports) {
      b.skipped = true;  // not a board: no chip answered there
      report.warning("skipped: " + b.outcome.error);
      console.drop(i);
    } else {
      console.board_error(i, b.outcome.error);
    }
  });
  if (all_ports && std::all_of(boards.begin(), boards.end(), [](const Board& b) { return b.skipped; }))
    // As discovery: a connect failure if some port opened, else a port problem.
    throw Error(std::any_of(boards.begin(), boards.end(),
                            [](const Board& b) { return b.outcome.exit_code != int(ErrorKind::port); })
                    ? ErrorKind::connect
                    : ErrorKind::port,
                fmt::format("--all-ports: no chip answered on any of the {} candidate serial port{}", boards.size(),
                            boards.size() == 1 ? "" : "s"));

  // The connected boards' names, refused if two share one, and their
  // checks: all before any board reads or writes.
  if (templates.needs_connection()) {
    for (auto& b : boards)
      if (b.outcome.ok && !b.skipped) {
        try {
          fill_names(b, templates, call.args);
        } catch (const Error& e) {
          throw Error(e.kind(), fmt::format("{} (the board on {}); no board was started", e.what(), b.port));
        }
      }
    refuse_shared_output(templates, boards);
    for (std::size_t i = 0; i < boards.size(); ++i)
      if (boards[i].outcome.ok && !boards[i].skipped) prepare_board(boards[i], command, call, console.board(i));
  }

  // The work, each board in its own thread; a signal stops every board
  // that has a file or the flash at stake (its loop sees it).
  on_every_board(boards.size(), [&](std::size_t i) {
    Board& b = boards[i];
    if (!b.outcome.ok || b.skipped) return;
    run_caught(b.outcome, [&] {
      try {
        b.step(*b.session);
      } catch (const Interrupted& e) {
        throw e.with(b.session->finish_after_interrupt(), "; ");
      }
      b.session->finish();
    });
    if (!b.outcome.ok) console.board_error(i, b.outcome.error);
  });
  console.close_progress();

  // The boards' JSON objects, the summary, the exit code.
  int exit_code = 0, signal = 0;
  std::size_t failed = 0;
  std::vector<std::string> objects;
  for (std::size_t i = 0; i < boards.size(); ++i) {
    const Board& b = boards[i];
    if (b.skipped) continue;
    JsonObject& json = console.board(i).json();
    json.set("ok", b.outcome.ok);
    if (!b.outcome.ok) {
      json.set("error", b.outcome.error);
      json.set("exit_code", b.outcome.exit_code);
      if (!exit_code) exit_code = b.outcome.exit_code;
      if (!signal) signal = b.outcome.signal;
      ++failed;
    }
    objects.push_back(json.dump());
  }
  if (signal) ignore_broken_pipe();  // as main(): a closed stdout must not be a second signal
  const std::string table = summary_table(boards);
  if (!mode.json) console.line(console.out(), table.substr(0, table.size() - 1));
  else if (!mode.quiet) console.line(console.err(), table.substr(0, table.size() - 1));
  if (mode.json) console.line(console.out(), "[" + join(objects, ",") + "]");
  if (failed) {
    std::vector<std::string> which;
    for (const auto& b : boards)
      if (!b.skipped && !b.outcome.ok) which.push_back(b.port);
    console.line(console.err(), fmt::format("espbak: error: {} of {} boards failed ({})", failed, objects.size(),
                                            join(which, ", ")));
  }
  if (signal) {
    std::fflush(nullptr);
    end_by_signal(signal);
  }
  return exit_code;
}

}  // namespace espbak::cli
