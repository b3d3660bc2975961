// Signal handling, async-signal-safe: the handler touches only lock-free
// atomics and fixed buffers, and calls only unlink, write, sigaction and
// raise (POSIX's list of async-signal-safe functions). Several boards run
// in threads at once (docs/cli.md "Many boards"), so the flags are atomics
// (a signal reaches any one thread; every thread must see it) and each
// PartFile has a slot of its own for the handler to remove.
#include "espbak/ops/interruption.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <csignal>
#include <cstring>

namespace espbak {

namespace {

constexpr int kDeferredSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

// Lock-free, hence usable from the handler (C++17 [support.signal]).
static_assert(std::atomic<int>::is_always_lock_free);

std::atomic<int> g_pending{0};      // the first signal received while at stake
std::atomic<int> g_stake_depth{0};  // DeferredSignals alive, in every thread

// One slot per temporary file being written: free, being filled by its
// owner (the handler skips it), or holding a path the handler removes.
enum SlotState : int { kFree = 0, kFilling = 1, kActive = 2 };
struct TemporarySlot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};
TemporarySlot g_temporary[kTemporaryFileSlots];

// Appends `s` to buf[0..n), keeping room for a final newline.
void append(char* buf, std::size_t size, std::size_t& n, const char* s) {
  while (*s && n + 2 < size) buf[n++] = *s++;
}

void write_all(const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(STDERR_FILENO, p, n);
    if (w <= 0) return;  // nothing more can be done from here
    p += w;
    n -= std::size_t(w);
  }
}

extern "C" void on_deferred_signal(int sig) {
  int none = 0;
  if (g_stake_depth > 0 && g_pending.compare_exchange_strong(none, sig))
    return;  // the loops at stake finish up (check_interrupted)
  const bool again = g_pending != 0;
  int removed = 0;
  for (auto& slot : g_temporary) {
    int active = kActive;
    // Claimed here, so no other thread's handler removes it twice.
    if (slot.state.compare_exchange_strong(active, kFilling) && ::unlink(slot.path) == 0) ++removed;
  }
  char line[512];
  std::size_t n = 0;
  append(line, sizeof line, n, "espbak: error: interrupted ");
  append(line, sizeof line, n, again ? "again by " : "by ");
  append(line, sizeof line, n, signal_name(sig));
  if (again)
    append(line, sizeof line, n,
           removed > 1    ? ": the temporary files were removed; --after was not carried out"
           : removed == 1 ? ": the temporary file was removed; --after was not carried out"
                          : ": --after was not carried out");
  else
    append(line, sizeof line, n, ": no file or flash write was in progress; nothing was left");
  line[n++] = '\n';
  write_all(line, n);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);  // delivered when the handler returns: the process ends by it
}

}  // namespace

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    case SIGXFSZ: return "SIGXFSZ";
    default: return "a signal";
  }
}

void install_interruption_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_deferred_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : kDeferredSignals) sigaddset(&sa.sa_mask, sig);  // one handler at a time
  sa.sa_flags = SA_RESTART;
  for (int sig : kDeferredSignals) sigaction(sig, &sa, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGXFSZ, &ignore, nullptr);  // writes past ulimit -f fail with EFBIG
}

void ignore_broken_pipe() { std::signal(SIGPIPE, SIG_IGN); }

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
  if (path.size() >= PATH_MAX) return kPathTooLong;
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
  // kActive -> kFree; a handler that claimed it (kFilling) has removed the
  // file and the process is ending anyway.
  int active = kActive;
  g_temporary[slot].state.compare_exchange_strong(active, kFree);
}

void end_by_signal(int sig) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(128 + sig);  // a signal whose default action does not end the process
}

}  // namespace espbak
