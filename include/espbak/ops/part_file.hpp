#pragma once
// FILE.part while a read is in progress; renamed to FILE only by commit().
// Destroyed without commit (error, exception) it is removed; SIGINT, SIGTERM
// and SIGHUP remove it too before the process dies of the signal. One part
// file at a time per process.
#include <cstdint>
#include <span>
#include <string>

namespace espbak {

class PartFile {
 public:
  explicit PartFile(std::string final_path);  // creates FINAL.part; Error(input) on failure
  ~PartFile();
  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;

  void write(std::span<const unsigned char> data);  // Error(input) on a write failure
  // Reads back bytes already written (to verify what lies on disk);
  // Error(input) on a failure or a short file.
  void read_back(std::uint64_t offset, std::span<unsigned char> out) const;
  void commit();                                    // flush, close, rename to the final name
  const std::string& part_path() const { return part_; }

  static bool directory_writable(const std::string& dir);

 private:
  void discard();
  std::string final_;
  std::string part_;
  int fd_ = -1;
  bool done_ = false;
};

}  // namespace espbak
