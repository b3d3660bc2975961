#include "board_console.hpp"

#include <fmt/format.h>

namespace espbak::cli {

namespace {

// The part of `text` that fits in `width` columns without wrapping (the
// last column stays empty, as for ConsoleReporter's line).
std::string fitted(const std::string& text, int width) {
  const std::size_t room = width > 1 ? std::size_t(width - 1) : 1;
  return text.size() <= room ? text : text.substr(0, room);
}

}  // namespace

// One board's Reporter: prefixes its lines; keeps its own partial line
// ("Connecting..." and its dots) and progress timing, which only its
// thread touches; everything written goes through the console's lock.
class BoardConsole::BoardReporter final : public Reporter {
 public:
  BoardReporter(BoardConsole& console, std::size_t index, std::string label)
      : console_(console), index_(index), prefix_("[" + std::move(label) + "] ") {}

  void info(const std::string& line) override {
    if (quiet()) return;
    end_partial();
    console_.write_line(console_.narrative(), prefix_ + line, index_);
  }
  void partial(const std::string& text) override {
    if (quiet()) return;
    partial_ += text;  // a line of its own once the board says more
  }
  void warning(const std::string& line) override {
    if (quiet()) return;
    end_partial();
    console_.write_line(console_.err_, prefix_ + "Warning: " + line);
  }
  void result(const std::string& line) override {
    if (console_.mode_.json) return;  // the board's JSON object carries it
    end_partial();
    console_.write_line(console_.out_, prefix_ + line);
  }
  void progress(std::string_view what, std::uint64_t done, std::uint64_t total) override {
    const ConsoleMode& mode = console_.mode_;
    if (quiet() || total == 0 || !(mode.progress_tty || mode.progress_plain)) return;
    // BoardConsole::set_status paces the terminal block for all boards.
    const auto figures = pacer_.next(console_.now_(), done, total);
    if (!figures) return;
    const double rate = figures->bytes_per_second;
    const std::string& eta = figures->eta;
    end_partial();
    if (mode.progress_plain) {
      console_.write_line(console_.err_, prefix_ + fitted_progress_line(what, done, total, rate, eta, 1000));
      return;
    }
    const int room = std::max(8, mode.width - int(prefix_.size()));
    console_.set_status(index_, prefix_ + fitted_progress_line(what, done, total, rate, eta, room), done >= total);
  }
  void progress_end() override { pacer_.restart(); }

 private:
  bool quiet() const { return console_.mode_.quiet; }
  void end_partial() {
    if (partial_.empty()) return;
    console_.write_line(console_.narrative(), prefix_ + partial_);
    partial_.clear();
  }

  BoardConsole& console_;
  std::size_t index_;
  std::string prefix_;
  std::string partial_;
  ProgressPacer pacer_{console_.mode_.progress_plain, ProgressPacer::Clock::duration::zero()};
};

BoardConsole::BoardConsole(ConsoleMode mode, const std::vector<std::string>& labels, Now now, std::FILE* out,
                           std::FILE* err)
    : mode_(mode), now_(now ? std::move(now) : Now([] { return std::chrono::steady_clock::now(); })), out_(out),
      err_(err) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    boards_.push_back(std::make_unique<BoardReporter>(*this, i, labels[i]));
    prefixes_.push_back("[" + labels[i] + "] ");
    status_.push_back("[" + labels[i] + "]");
    dropped_.push_back(false);
  }
}

BoardConsole::~BoardConsole() { close_progress(); }

Reporter& BoardConsole::board(std::size_t i) { return *boards_.at(i); }

void BoardConsole::board_error(std::size_t i, const std::string& line) {
  write_line(err_, prefixes_.at(i) + "error: " + line);
}

void BoardConsole::board_trace(std::size_t i, const std::string& line) {
  write_line(err_, prefixes_.at(i) + line);
}

void BoardConsole::drop(std::size_t i) {
  std::lock_guard<std::mutex> hold(lock_);
  clear_block();
  dropped_.at(i) = true;
  draw_block();
}

void BoardConsole::line(std::FILE* to, const std::string& text) { write_line(to, text); }

void BoardConsole::close_progress() {
  std::lock_guard<std::mutex> hold(lock_);
  clear_block();
  block_open_ = false;
}

// The block is taken off before a line and drawn again after it, so the
// lines scroll above it and it stays at the bottom.
void BoardConsole::write_line(std::FILE* to, const std::string& text, std::size_t status_of) {
  std::lock_guard<std::mutex> hold(lock_);
  if (status_of < status_.size()) status_[status_of] = text;
  clear_block();
  std::fprintf(to, "%s\n", text.c_str());
  std::fflush(to);
  draw_block();
}

void BoardConsole::set_status(std::size_t board, std::string text, bool force_redraw) {
  if (!mode_.progress_tty) return;
  std::lock_guard<std::mutex> hold(lock_);
  status_.at(board) = std::move(text);
  const auto now = now_();
  // At most ten redraws a second for all boards together, and the last
  // report of a transfer always.
  if (!force_redraw && drawn_ > 0 && now - last_draw_ < std::chrono::milliseconds(100)) return;
  clear_block();
  draw_block();
}

void BoardConsole::clear_block() {
  if (drawn_ == 0) return;
  // The cursor is at the end of the block's last line: up to its first,
  // then clear to the end of the screen.
  if (drawn_ > 1) std::fprintf(err_, "\033[%zuA", drawn_ - 1);
  std::fputs("\r\033[J", err_);
  std::fflush(err_);
  drawn_ = 0;
}

void BoardConsole::draw_block() {
  if (!mode_.progress_tty || !block_open_ || mode_.quiet) return;
  std::string block;
  std::size_t lines = 0;
  for (std::size_t i = 0; i < status_.size(); ++i) {
    if (dropped_[i]) continue;
    if (lines++) block += '\n';
    block += fitted(status_[i], mode_.width);
  }
  if (!lines) return;
  std::fputs(block.c_str(), err_);
  std::fflush(err_);
  drawn_ = lines;
  last_draw_ = now_();
}

}  // namespace espbak::cli
