#pragma once
// Typed errors. Every layer throws espbak::Error with a kind; the CLI maps the
// kind to an exit code once (docs/exit-codes.md).
#include <stdexcept>
#include <string>

namespace espbak {

enum class ErrorKind {
  usage = 2,        // bad command line / bad argument value
  input = 3,        // a file or region given by the user is unusable
  port = 4,         // the port cannot be opened, found or used
  connect = 5,      // the chip never answered SYNC / is in the wrong mode
  timeout = 6,      // the chip stopped answering mid-operation
  device = 7,       // the chip answered with a failure status
  verify = 8,       // data on the chip does not match (MD5)
  unsupported = 9,  // the chip / loader cannot do what was asked
  internal = 10,
  // write_flash: the backup's manifest (FILE.json) says it is of another chip
  // family, or of a whole flash of another size (--force overrides).
  identity = 11,
  // SIGINT, SIGTERM, SIGHUP, SIGPIPE (espbak/ops/interruption.hpp): the
  // process ends by the signal, status 128 + N; never retried.
  interrupted = 128,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return static_cast<int>(kind_); }

 private:
  ErrorKind kind_;
};

}  // namespace espbak
