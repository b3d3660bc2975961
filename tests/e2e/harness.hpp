#pragma once
// End-to-end harness: espsim and espbak as real child processes.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

using Bytes = std::vector<std::uint8_t>;
namespace fs = std::filesystem;

// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// A running child process with its stdout/stderr captured.
class Process {
 public:
  // stderr_file: send the child's stderr there instead of capturing it
  // (for long-running children whose stderr nobody reads).
  Process(const std::string& binary, const std::vector<std::string>& args, const std::vector<std::string>& env = {},
          const std::string& stderr_file = "");
  ~Process();  // SIGKILL + reap if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit, collecting output; nullopt on timeout (the child is left running).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Reads one line of stdout (without the newline), waiting up to `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);

  std::string out;  // everything read from stdout (after read_line's lines)
  std::string err;
  int exit_code = -1;   // exit status, or 128 + signal
  bool exited = false;

 private:
  void pump(int timeout_ms);
  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string line_buf_;
};

struct SimOptions {
  std::string chip = "esp8266";
  std::string flash_size = "4MB";
  std::string flash_file;  // empty: <dir>/flash.bin
  std::string mac;
  std::string jedec_id;
  bool pty = false;
  std::string link = "instant";
  bool rfc2217 = false;                 // --listen rfc2217:127.0.0.1:0 (a board with DTR/RTS)
  std::vector<std::string> extra_args;  // e.g. {"--usb-jtag-serial"}
};

// espsim in the background. port() is what to give espbak -p.
class Sim {
 public:
  Sim(const TempDir& dir, SimOptions options);
  ~Sim();
  const std::string& port() const { return port_; }
  const std::string& flash_file() const { return options_.flash_file; }
  void kill();
  pid_t pid() const { return proc_->pid(); }
  std::string log() const;  // espsim's stderr so far

 private:
  SimOptions options_;
  std::string log_path_;
  std::unique_ptr<Process> proc_;
  std::string port_;
};

struct RunResult {
  int code = -1;
  std::string out, err;
  double seconds = 0;
  bool timed_out = false;
};

// "exit N (timed out)" plus stdout and stderr, for INFO() on failures.
std::string describe(const RunResult& r);

// Runs espbak to completion (killed after `timeout`).
RunResult run_espbak(const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60),
                     const std::vector<std::string>& env = {});

Bytes read_file(const fs::path& p);
void write_file(const fs::path& p, const Bytes& data);
Bytes random_bytes(std::size_t n, std::uint32_t seed);
std::size_t line_count(const std::string& text);
// stdout and stderr as one text with every run of whitespace one space: the
// console wraps long lines, and progress goes to stdout, warnings to stderr.
std::string flat(const RunResult& r);
std::string hex_addr(std::uint32_t v);  // "0x12000"
// espbak's temporary files for `final` (FINAL.XXXXXX.part, next to it).
std::vector<fs::path> temporary_files(const fs::path& final);

}  // namespace e2e
