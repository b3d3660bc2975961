#pragma once
// Every file espbak creates (backups, dumps, merge_bin output) is written
// through a PartFile: a new temporary file next to the final name,
// FINAL.XXXXXX.part, created with O_CREAT | O_EXCL | O_NOFOLLOW (so nothing
// that already exists, a planted symlink included, is ever opened; mode
// 0666 less the umask), fsync'ed, renamed over the final name, and the
// directory fsync'ed. A final name that is a symlink is replaced as a name
// (nothing is written through it); a directory, FIFO, device or socket
// there is refused. Destroyed without commit (error, exception) the
// temporary file is removed. While one is alive a signal is deferred to its
// writer (espbak/ops/interruption.hpp): write() and commit() throw
// Interrupted, and a second signal removes the file before the process
// ends. Several may be alive at once, in different threads (one per board,
// docs/cli.md "Many boards"); each is used by one thread.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "espbak/ops/interruption.hpp"

namespace espbak {

class PartFile {
 public:
  explicit PartFile(std::string final_path);  // creates the temporary file; Error(input) on failure
  ~PartFile();
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  // Error(input) on a write failure (ENOSPC, EFBIG past ulimit -f, ...);
  // Interrupted when a signal is pending.
  void write(std::span<const unsigned char> data);
  // Reads back bytes already written (to verify what lies on disk);
  // Error(input) on a failure or a short file.
  void read_back(std::uint64_t offset, std::span<unsigned char> out) const;
  // fsync, close, rename over the final name, fsync the directory.
  void commit();
  // Claims `size` bytes of disk for the file up front (check_room, then
  // fallocate where the filesystem has it), so a full disk is found before
  // the work starts rather than at its end. Error(input).
  void reserve(std::uint64_t size);
  const std::string& part_path() const { return part_; }
  const std::string& final_path() const { return final_; }
  // What an interruption leaves: nothing under the final name.
  std::string interrupted_note() const;

  static bool directory_writable(const std::string& dir);
  // The checks of an output name that need no work done: its directory
  // exists and is writable, and the name is absent, a regular file or a
  // symlink (not to a directory). Error(input) naming the problem.
  static void check_target(const std::string& final_path);
  // Room for `size` bytes next to `final_path`: free space (statvfs) and the
  // file-size limit (RLIMIT_FSIZE). Error(input).
  static void check_room(const std::string& final_path, std::uint64_t size);

 private:
  void discard();
  std::string final_;
  std::string dir_;
  std::string part_;
  bool final_existed_ = false;
  int fd_ = -1;
  bool done_ = false;
  int temporary_slot_ = kNoSlotFree;  // register_temporary_file's
  std::optional<DeferredSignals> deferred_;
};

}  // namespace espbak
