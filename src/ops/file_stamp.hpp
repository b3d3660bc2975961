#pragma once
// The platform half of load_regions and file_change (image.cpp): a file's
// bytes read once with its stamp (size, modification time, identity) taken
// before and after, and its stamp now. file_stamp_posix.cpp (stat, st_mtim,
// device and inode) and file_stamp_win.cpp (_stat64; Windows has no inode
// in it, the creation time stands in for the file's identity).
#include <optional>
#include <string>

#include "espbak/ops/image.hpp"

namespace espbak::detail {

struct FileRead {
  Bytes data;
  bool regular = false;  // a regular file (a pipe or device has no stamp to compare)
  FileStamp before, after;
};

// Error(input) naming the file when it cannot be opened or read.
FileRead read_file_once(const std::string& file);

// The file's stamp now; nullopt when it is gone. `regular` says whether it
// is a regular file.
std::optional<FileStamp> stamp_now(const std::string& file, bool& regular);

}  // namespace espbak::detail
