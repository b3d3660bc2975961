// libFuzzer target: the NVS partition reader (backup/nvs.hpp) on arbitrary
// bytes, cut to whole 4096-byte pages (what reaches it from nvs_dump) unless
// the first byte is odd, which keeps the length as it is (the refusal).
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error(input) is thrown, with a one-line, non-empty message;
//  - every problem has a non-empty one-line message, a page within the
//    input and an entry within its page;
//  - pages: one per 4096 bytes, entry state counts adding up to 126 each;
//  - every value lies within the input: its head within the pages, strings
//    and v1 blobs no longer than a page's data entries, v2 blobs no longer
//    than all the pages' entries, integers no wider than 8 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "espbak/backup/nvs.hpp"
#include "espbak/util/error.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
bool one_line(const std::string& s) { return !s.empty() && s.find('\n') == std::string::npos; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace espbak::backup;
  std::size_t length = size;
  if (size > 0 && (data[0] & 1) == 0) length = size / kNvsPageSize * kNvsPageSize;
  std::span<const std::uint8_t> bytes(data, length);
  NvsPartition nvs;
  try {
    nvs = parse_nvs(bytes);
  } catch (const espbak::Error& e) {
    require(e.kind() == espbak::ErrorKind::input);
    require(one_line(e.what()));
    return 0;
  }
  const std::size_t pages = length / kNvsPageSize;
  require(nvs.size == length && nvs.pages.size() == pages);
  for (const auto& page : nvs.pages)
    require(page.number < pages && page.written + page.erased + page.empty + page.illegal == kNvsEntriesPerPage);
  require(nvs.entries_written + nvs.entries_erased + nvs.entries_empty + nvs.entries_illegal ==
          pages * kNvsEntriesPerPage);
  for (const auto& problem : nvs.problems) {
    require(one_line(problem.message) && one_line(problem.line()));
    require(!problem.page || *problem.page < pages);
    require(!problem.entry || *problem.entry < kNvsEntriesPerPage);
  }
  const std::size_t page_data = (kNvsEntriesPerPage - 1) * kNvsEntrySize;
  for (const auto& space : nvs.namespaces)
    for (const auto& item : space.items) {
      require(item.page < pages && item.entry < kNvsEntriesPerPage);
      require(item.ns_index == space.index && item.key.size() < 16);
      if (item.type == NvsType::str || (item.type == NvsType::blob && !item.v2_blob))
        require(item.data.size() == item.size && item.size <= page_data);
      else if (item.type == NvsType::blob)
        require(item.data.size() <= pages * page_data && (!item.valid || item.data.size() == item.size));
      else
        require(item.size >= 1 && item.size <= 8 && item.data.empty());
    }
  return 0;
}
