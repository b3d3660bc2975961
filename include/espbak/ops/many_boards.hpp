#pragma once
// Several boards in one command (docs/cli.md "Many boards"): the per-board
// file names (the {mac} {chip} {port} {date} fields of a name template),
// the rule that no two boards write one file, and running one piece of
// work per board, each in a thread of its own (each board has its own
// port, so the boards' transfers overlap instead of queueing).
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/chips/fields.hpp"

namespace espbak {

// {port}: a port's name made file-name safe: a URL's HOST:PORT
// (socket://localhost:5000 -> localhost-5000), else a path's last
// component (/dev/ttyUSB0 -> ttyUSB0, \\.\COM10 -> COM10); every character
// outside [A-Za-z0-9._-] becomes '-', runs of '-' one, no leading or
// trailing '-' or '.'; "port" if nothing is left.
std::string port_file_name(std::string_view port);

// {mac}: lower-case hex without separators, "240ac4000001".
std::string mac_file_name(const Mac& mac);

// {date}: the local date as ISO 8601 writes it, "2025-03-14". A run takes
// it once, so every board of the run gets the same one.
std::string date_file_name(std::chrono::system_clock::time_point when);

// A board's values for the fields. mac and chip are known only once the
// board is connected; mac stays empty for a chip in Secure Download Mode
// (its MAC cannot be read there).
struct BoardFields {
  std::string port;  // port_file_name()
  std::string date;  // date_file_name()
  std::optional<std::string> mac;
  std::optional<std::string> chip;  // the chip row's cli_name, "esp32s3"
};

// A file name with fields: "backup-{mac}.bin". Every '{' opens one of
// {mac} {chip} {port} {date}; a '}' outside a field is an ordinary
// character. A name without fields is its own expansion.
class NameTemplate {
 public:
  // Error(usage) naming the problem: an unknown field, a '{' not closed.
  explicit NameTemplate(std::string text);

  const std::string& text() const { return text_; }
  bool has_fields() const;
  bool uses_mac() const { return uses(Field::mac); }
  bool uses_chip() const { return uses(Field::chip); }
  bool uses_port() const { return uses(Field::port); }
  // One file per board: {mac} or {port} differ between boards; {chip} and
  // {date} may be the same on all of them.
  bool per_board() const { return uses_mac() || uses_port(); }
  // Its value needs the board connected ({mac}, {chip}).
  bool needs_connection() const { return uses_mac() || uses_chip(); }

  // The name for one board. Error(unsupported) when a field it uses has no
  // value for this board ({mac} of a chip in Secure Download Mode), or
  // std::logic_error when asked before the board is connected.
  std::string expand(const BoardFields& fields) const;

 private:
  enum class Field { none, mac, chip, port, date };
  struct Piece {
    Field field = Field::none;
    std::string text;  // Field::none: the literal characters
  };
  bool uses(Field f) const;
  std::string text_;
  std::vector<Piece> pieces_;
};

// Two boards must never write one file: Error(usage) naming both boards
// and the name when two entries of `names` are equal (boards[i] writes
// names[i]; an empty name writes nothing).
void refuse_shared_names(const std::vector<std::string>& boards, const std::vector<std::string>& names);

// What became of one board.
struct BoardOutcome {
  bool ok = true;
  int exit_code = 0;  // docs/exit-codes.md; 128 + N after a signal
  int signal = 0;     // the signal that interrupted the board's work, 0 if none
  std::string error;  // one line, empty when ok
  double seconds = 0;  // time spent in run_caught, summed
};

// Runs `work`, adding the time it took to `outcome` and catching what it
// throws into it (espbak::Error and Interrupted by their codes, anything
// else as an internal error). Does nothing once the outcome is a failure.
void run_caught(BoardOutcome& outcome, const std::function<void()>& work);

// Runs work(i) for every i below `count`, each in its own thread, and
// returns when all have returned. `work` must not throw (wrap it in
// run_caught).
void on_every_board(std::size_t count, const std::function<void(std::size_t)>& work);

}  // namespace espbak
