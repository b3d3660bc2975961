// interruption.hpp for the Windows build; the POSIX version is
// interruption.cpp (left out here, CMakeLists.txt). Windows has no SIGHUP or
// SIGPIPE, and Ctrl+C reaches a console program as a console control event,
// delivered by a new thread running the SetConsoleCtrlHandler routine (not
// a signal interrupting a thread), so the routine may block and call any
// function. The events are given the numbers of the POSIX signals they stand
// for, so Interrupted, the 128 + N exit statuses and the messages stay those
// of interruption.cpp (docs/exit-codes.md "Signals"):
//   Ctrl+C                                   as SIGINT  (2):  status 130
//   Ctrl+Break                               as SIGTERM (15): status 143
//   the console closing (logoff, shutdown)   as SIGHUP  (1):  status 129
#include <windows.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "espbak/ops/interruption.hpp"

namespace espbak {

namespace {

// The POSIX numbers (Linux, macOS and the BSDs agree on these three).
constexpr int kSigHup = 1;
constexpr int kSigInt = 2;
constexpr int kSigTerm = 15;

// After CTRL_CLOSE_EVENT's routine returns, or about 5 s after the event
// (SetConsoleCtrlHandler's documentation: the system's timeout for console
// close), the process is ended by the system. The routine waits this long
// for the loops to remove their file and end the process themselves.
constexpr DWORD kCloseGraceMs = 4000;

std::atomic<int> g_pending{0};
std::atomic<int> g_stake_depth{0};

// MAX_PATH bounds the paths the C runtime's narrow calls (part_file_win.cpp)
// can open, so a slot of that size holds any temporary file's name.
enum SlotState : int { kFree = 0, kFilling = 1, kActive = 2 };
struct TemporarySlot {
  std::atomic<int> state{kFree};
  char path[MAX_PATH];
};
TemporarySlot g_temporary[kTemporaryFileSlots];

int signal_of(DWORD event) {
  switch (event) {
    case CTRL_C_EVENT: return kSigInt;
    case CTRL_BREAK_EVENT: return kSigTerm;
    default: return kSigHup;  // CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT
  }
}

int remove_temporary_files() {
  int removed = 0;
  for (auto& slot : g_temporary) {
    int active = kActive;
    if (slot.state.compare_exchange_strong(active, kFilling) && DeleteFileA(slot.path)) ++removed;
  }
  return removed;
}

// Straight to the console handle: the main thread may hold the C runtime's
// stderr lock, and the process is ended right after.
void write_line(const std::string& line) {
  HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
  DWORD written = 0;
  if (err && err != INVALID_HANDLE_VALUE) WriteFile(err, line.data(), DWORD(line.size()), &written, nullptr);
}

// Ends the process now, as a signal's default action would: no atexit
// handlers, no stream flushing (other threads are still running).
[[noreturn]] void end_now(int sig) {
  TerminateProcess(GetCurrentProcess(), UINT(128 + sig));
  ExitProcess(UINT(128 + sig));  // not reached
}

BOOL WINAPI on_console_event(DWORD event) {
  const int sig = signal_of(event);
  int none = 0;
  if (g_stake_depth > 0 && g_pending.compare_exchange_strong(none, sig)) {
    if (sig != kSigHup) return TRUE;  // the loops at stake finish up (check_interrupted)
    // The console is closing: the process will be ended when this returns,
    // so give the loops the time they have, then remove the files here.
    Sleep(kCloseGraceMs);
    remove_temporary_files();
    return TRUE;
  }
  const bool again = g_pending != 0;
  const int removed = remove_temporary_files();
  std::string line = std::string("espbak: error: interrupted ") + (again ? "again by " : "by ") + signal_name(sig);
  if (again)
    line += removed > 1    ? ": the temporary files were removed; --after was not carried out"
            : removed == 1 ? ": the temporary file was removed; --after was not carried out"
                           : ": --after was not carried out";
  else
    line += ": no file or flash write was in progress; nothing was left";
  write_line(line + "\n");
  end_now(sig);
}

}  // namespace

const char* signal_name(int sig) {
  switch (sig) {
    case kSigInt: return "Ctrl+C";
    case kSigTerm: return "Ctrl+Break";
    case kSigHup: return "the console closing";
    default: return "a console event";
  }
}

void install_interruption_handlers() { SetConsoleCtrlHandler(on_console_event, TRUE); }

// No SIGPIPE on Windows: a write to a closed pipe fails (EPIPE) instead.
void ignore_broken_pipe() {}

int pending_signal() { return g_pending; }

void check_interrupted() {
  if (int sig = g_pending) throw Interrupted(sig, std::string("interrupted by ") + signal_name(sig));
}

void check_interrupted(const std::string& what_was_left) {
  if (int sig = g_pending)
    throw Interrupted(sig, std::string("interrupted by ") + signal_name(sig) + ": " + what_was_left);
}

DeferredSignals::DeferredSignals() { ++g_stake_depth; }
DeferredSignals::~DeferredSignals() { --g_stake_depth; }

int register_temporary_file(const std::string& path) {
  if (path.size() >= MAX_PATH) return kPathTooLong;
  for (int i = 0; i < kTemporaryFileSlots; ++i) {
    int free = kFree;
    if (!g_temporary[i].state.compare_exchange_strong(free, kFilling)) continue;
    std::memcpy(g_temporary[i].path, path.c_str(), path.size() + 1);
    g_temporary[i].state = kActive;
    return i;
  }
  return kNoSlotFree;
}

void unregister_temporary_file(int slot) {
  if (slot < 0 || slot >= kTemporaryFileSlots) return;
  int active = kActive;
  g_temporary[slot].state.compare_exchange_strong(active, kFree);
}

// main() has reported the interruption and flushed its streams.
void end_by_signal(int sig) { ExitProcess(UINT(128 + sig)); }

}  // namespace espbak
