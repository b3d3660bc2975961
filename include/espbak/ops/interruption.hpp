#pragma once
// SIGINT, SIGTERM, SIGHUP and SIGPIPE while espbak has something at stake (a
// temporary file being written, the flash being written or erased): the
// handler only records the signal; the loops doing that work notice it
// (check_interrupted), stop, remove their temporary file, leave the chip as
// --after says, print one line saying what was left, and the process ends by
// the same signal (shell status 128 + N, docs/exit-codes.md). With nothing at
// stake the handler ends the process at once, with that line. A second
// signal while the first is being handled also ends it at once, after
// removing the temporary file. SIGXFSZ is ignored, so a write past the
// file-size limit (ulimit -f) fails with EFBIG instead of killing espbak.
#include <string>

#include "espbak/util/error.hpp"

namespace espbak {

// Installs the handlers for the whole process; main() calls it once.
void install_interruption_handlers();

// "SIGINT", "SIGTERM", ... (Windows: "Ctrl+C", "Ctrl+Break", ...,
// interruption_win.cpp, whose console events carry these signals' numbers).
const char* signal_name(int sig);

// Before an interruption is reported: a closed stdout must not turn the
// report into a second signal (SIGPIPE ignored; Windows has no SIGPIPE).
void ignore_broken_pipe();

// A signal that arrived while something was at stake; 0 if none.
int pending_signal();

// Error of kind `interrupted`; the process status is 128 + signal().
class Interrupted : public Error {
 public:
  Interrupted(int sig, const std::string& what) : Error(ErrorKind::interrupted, what), signal_(sig) {}
  int signal() const { return signal_; }
  // The same interruption, its message extended with what was left.
  Interrupted with(const std::string& what_was_left, const char* separator = ": ") const {
    return Interrupted(signal_, std::string(what()) + separator + what_was_left);
  }

 private:
  int signal_;
};

// Throws Interrupted("interrupted by SIGINT") when a signal is pending; the
// second form adds what was left ("interrupted by SIGINT: <what_was_left>").
void check_interrupted();
void check_interrupted(const std::string& what_was_left);

// While one is alive, something is at stake: a signal is recorded for the
// loops instead of ending the process. Nests.
class DeferredSignals {
 public:
  DeferredSignals();
  ~DeferredSignals();
  DeferredSignals(const DeferredSignals&) = delete;
  DeferredSignals& operator=(const DeferredSignals&) = delete;
};

// The temporary files the handler removes when it ends the process at once
// (a second signal): one per PartFile alive, from any thread (several
// boards read at once). The path is copied into a fixed slot; returns the
// slot for unregister_temporary_file, or kPathTooLong (PATH_MAX), or
// kNoSlotFree (kTemporaryFileSlots files already being written).
constexpr int kTemporaryFileSlots = 64;
constexpr int kPathTooLong = -1;
constexpr int kNoSlotFree = -2;
int register_temporary_file(const std::string& path);
void unregister_temporary_file(int slot);

// After an Interrupted has been reported: ends the process by `sig` (default
// action), as a shell expects of an interrupted program.
[[noreturn]] void end_by_signal(int sig);

}  // namespace espbak
