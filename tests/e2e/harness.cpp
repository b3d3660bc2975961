#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

namespace e2e {

using Clock = std::chrono::steady_clock;

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/espbak-e2e-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

Process::Process(const std::string& binary, const std::vector<std::string>& args,
                 const std::vector<std::string>& env, const std::string& stderr_file) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(out_pipe[1], 1);
    int err_target = err_pipe[1];
    if (!stderr_file.empty()) {
      int f = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (f >= 0) err_target = f;
    }
    dup2(err_target, 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  out_fd_ = out_pipe[0];
  err_fd_ = err_pipe[0];
  if (!stderr_file.empty()) {
    close(err_fd_);
    err_fd_ = -1;
  }
}

Process::~Process() {
  if (!exited && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Process::pump(int timeout_ms) {
  pollfd fds[2];
  int n = 0;
  if (out_fd_ >= 0) fds[n++] = {out_fd_, POLLIN, 0};
  if (err_fd_ >= 0) fds[n++] = {err_fd_, POLLIN, 0};
  if (n == 0) {
    if (timeout_ms > 0) usleep(useconds_t(std::min(timeout_ms, 20)) * 1000);
    return;
  }
  if (poll(fds, nfds_t(n), timeout_ms) <= 0) return;
  for (int i = 0; i < n; ++i) {
    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    char buf[65536];
    ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
    bool is_out = fds[i].fd == out_fd_;
    if (got <= 0) {
      close(fds[i].fd);
      (is_out ? out_fd_ : err_fd_) = -1;
    } else {
      (is_out ? line_buf_ : err).append(buf, std::size_t(got));
    }
  }
}

bool Process::running() {
  if (exited) return false;
  int status;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exited = true;
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (!exited) ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    pump(20);
    if (!running()) {
      // Drain what is left in the pipes.
      while (out_fd_ >= 0 || err_fd_ >= 0) pump(100);
      out += line_buf_;
      line_buf_.clear();
      return exit_code;
    }
    if (Clock::now() > deadline) return std::nullopt;
  }
}

std::optional<std::string> Process::read_line(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto nl = line_buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = line_buf_.substr(0, nl);
      line_buf_.erase(0, nl + 1);
      return line;
    }
    if (Clock::now() > deadline || (out_fd_ < 0 && !running())) return std::nullopt;
    pump(20);
  }
}

Sim::Sim(const TempDir& dir, SimOptions options) : options_(std::move(options)) {
  if (options_.flash_file.empty()) options_.flash_file = (dir / "flash.bin").string();
  std::vector<std::string> args = {"--chip", options_.chip, "--flash-size", options_.flash_size, "--flash-file",
                                   options_.flash_file, "--link", options_.link};
  if (!options_.mac.empty()) args.insert(args.end(), {"--mac", options_.mac});
  if (!options_.jedec_id.empty()) args.insert(args.end(), {"--jedec-id", options_.jedec_id});
  std::string link_path = (dir / "ttyESP").string();
  if (options_.pty) args.insert(args.end(), {"--pty", link_path});
  else if (options_.rfc2217) args.insert(args.end(), {"--listen", "rfc2217:127.0.0.1:0"});
  else args.insert(args.end(), {"--listen", "tcp:127.0.0.1:0"});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  log_path_ = (dir / "espsim.log").string();
  proc_ = std::make_unique<Process>(ESPSIM_BIN, args, std::vector<std::string>{}, log_path_);
  auto line = proc_->read_line(std::chrono::seconds(10));
  if (!line) {
    proc_->wait(std::chrono::seconds(1));
    throw std::runtime_error("espsim did not report ready; stderr: " + log());
  }
  // "espsim: listening on socket://127.0.0.1:PORT" or "espsim: pty /dev/pts/N -> LINK"
  if (auto at = line->find("socket://"); at != std::string::npos) {
    port_ = line->substr(at);
  } else if (auto rfc = line->find("rfc2217://"); rfc != std::string::npos) {
    port_ = line->substr(rfc);
  } else if (auto arrow = line->find(" -> "); arrow != std::string::npos) {
    port_ = line->substr(arrow + 4);
  } else {
    throw std::runtime_error("unexpected espsim ready line: " + *line);
  }
}

Sim::~Sim() { kill(); }

std::string Sim::log() const {
  std::ifstream in(log_path_);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void Sim::kill() {
  if (proc_ && proc_->running()) {
    proc_->signal(SIGKILL);
    proc_->wait(std::chrono::seconds(5));
  }
}

RunResult run_espbak(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                     const std::vector<std::string>& env) {
  auto start = Clock::now();
  Process p(ESPBAK_BIN, args, env);
  RunResult r;
  auto code = p.wait(timeout);
  if (!code) {
    r.timed_out = true;
    p.signal(SIGKILL);
    code = p.wait(std::chrono::seconds(5));
  }
  r.code = code.value_or(-1);
  r.out = p.out;
  r.err = p.err;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

Bytes read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& p, const Bytes& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (std::size_t i = 0; i < n; i += 4) {
    std::uint32_t v = rng();
    for (std::size_t k = 0; k < 4 && i + k < n; ++k) b[i + k] = std::uint8_t(v >> (8 * k));
  }
  return b;
}

std::size_t line_count(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += c == '\n';
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

std::string hex_addr(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

std::string flat(const RunResult& r) {
  std::string all = r.out + "\n" + r.err, out;
  for (char c : all) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  return out;
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.code) + (r.timed_out ? " (timed out)" : "") + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

std::vector<fs::path> temporary_files(const fs::path& final) {
  std::vector<fs::path> found;
  const std::string prefix = final.filename().string() + ".";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(final.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() + 5 && name.rfind(prefix, 0) == 0 && name.ends_with(".part"))
      found.push_back(entry.path());
  }
  return found;
}

}  // namespace e2e
