#pragma once
// Where the words of several boards at once go (docs/cli.md "Many
// boards"): the same streams as ConsoleReporter's, every line of a board
// prefixed "[label] " and written whole under one lock, so the boards'
// lines never mix. Progress: on a terminal a block at the bottom with one
// line per board (its transfer, else its last narrative line), redrawn in
// place; otherwise each board's occasional plain progress line, prefixed.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "console_reporter.hpp"
#include "espbak/ops/report.hpp"

namespace espbak::cli {

class BoardConsole {
 public:
  using Now = ConsoleReporter::Now;
  // One board per label, in order; `now`, `out` and `err` are for tests.
  BoardConsole(ConsoleMode mode, const std::vector<std::string>& labels, Now now = {}, std::FILE* out = stdout,
               std::FILE* err = stderr);
  ~BoardConsole();
  BoardConsole(const BoardConsole&) = delete;
  BoardConsole& operator=(const BoardConsole&) = delete;

  // Board i's reporter: used by that board's thread only.
  Reporter& board(std::size_t i);
  // Board i's error line, "[label] error: ..." on stderr.
  void board_error(std::size_t i, const std::string& line);
  // Board i's --trace line, prefixed, on stderr.
  void board_trace(std::size_t i, const std::string& line);
  // Takes board i's line out of the progress block (--all-ports: no chip there).
  void drop(std::size_t i);
  // A line of no board (the summary), above the progress block.
  void line(std::FILE* to, const std::string& text);
  // Takes the progress block off the terminal for good (before the summary).
  void close_progress();

  std::FILE* out() const { return out_; }
  std::FILE* err() const { return err_; }
  // Where the narrative goes: stdout, stderr with --json.
  std::FILE* narrative() const { return mode_.json ? err_ : out_; }
  const ConsoleMode& mode() const { return mode_; }

 private:
  class BoardReporter;
  friend class BoardReporter;
  // All under lock_.
  // `status_of`: the board whose block line becomes `text` too.
  void write_line(std::FILE* to, const std::string& text, std::size_t status_of = SIZE_MAX);
  void set_status(std::size_t board, std::string text, bool force_redraw);
  void clear_block();
  void draw_block();

  ConsoleMode mode_;
  Now now_;
  std::FILE* out_;
  std::FILE* err_;
  std::mutex lock_;
  std::vector<std::unique_ptr<BoardReporter>> boards_;
  std::vector<std::string> prefixes_;  // "[label] ", fixed at construction
  // The terminal's progress block (mode_.progress_tty): a line per board.
  bool block_open_ = true;
  std::vector<std::string> status_;
  std::vector<bool> dropped_;
  std::size_t drawn_ = 0;  // block lines on the screen now
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace espbak::cli
