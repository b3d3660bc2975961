// Signal handling, async-signal-safe: the handler touches only a few
// sig_atomic_t flags and a fixed buffer, and calls only unlink, write,
// sigaction and raise (POSIX's list of async-signal-safe functions).
#include "espbak/ops/interruption.hpp"

#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstring>

namespace espbak {

namespace {

constexpr int kDeferredSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

volatile sig_atomic_t g_pending = 0;      // the first signal received while at stake
volatile sig_atomic_t g_stake_depth = 0;  // DeferredSignals alive
volatile sig_atomic_t g_temporary_active = 0;
char g_temporary_path[PATH_MAX];

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
  if (g_stake_depth > 0 && g_pending == 0) {
    g_pending = sig;  // the loops at stake finish up (check_interrupted)
    return;
  }
  const bool again = g_pending != 0;
  const bool removed = g_temporary_active && ::unlink(g_temporary_path) == 0;
  g_temporary_active = 0;
  char line[512];
  std::size_t n = 0;
  append(line, sizeof line, n, "espbak: error: interrupted ");
  append(line, sizeof line, n, again ? "again by " : "by ");
  append(line, sizeof line, n, signal_name(sig));
  if (again)
    append(line, sizeof line, n,
           removed ? ": the temporary file was removed; --after was not carried out"
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

int pending_signal() { return g_pending; }

void check_interrupted() {
  if (int sig = g_pending) throw Interrupted(sig, std::string("interrupted by ") + signal_name(sig));
}

void check_interrupted(const std::string& what_was_left) {
  if (int sig = g_pending)
    throw Interrupted(sig, std::string("interrupted by ") + signal_name(sig) + ": " + what_was_left);
}

DeferredSignals::DeferredSignals() { g_stake_depth = g_stake_depth + 1; }
DeferredSignals::~DeferredSignals() { g_stake_depth = g_stake_depth - 1; }

bool register_temporary_file(const std::string& path) {
  if (path.size() >= sizeof g_temporary_path) return false;
  g_temporary_active = 0;
  std::memcpy(g_temporary_path, path.c_str(), path.size() + 1);
  g_temporary_active = 1;
  return true;
}

void unregister_temporary_file() { g_temporary_active = 0; }

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
