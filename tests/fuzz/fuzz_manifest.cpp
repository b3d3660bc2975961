// libFuzzer target: the backup manifest reader (backup/manifest.hpp), that is
// util/json's parser and the schema's checks, on arbitrary bytes.
// Input: the text of a FILE.json.
// Invariants checked (a violation aborts, which libFuzzer reports):
//  - only Error(input) is thrown, with a one-line, non-empty message;
//  - a manifest accepted is of the format and version 1, its digests are
//    lower-case hex of the right length, its range and every erased range
//    and partition end within 4 GB, partition names have at most 16 bytes;
//  - reading the same text again gives the same manifest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "espbak/backup/manifest.hpp"
#include "espbak/util/error.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
bool lower_hex(const std::string& s, std::size_t digits) {
  if (s.size() != digits) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
bool within_4gb(const espbak::backup::ManifestRange& r) { return std::uint64_t(r.address) + r.size <= 0x100000000ull; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace espbak::backup;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Manifest m;
  try {
    m = parse_manifest(text);
  } catch (const espbak::Error& e) {
    const std::string what = e.what();
    require(e.kind() == espbak::ErrorKind::input);
    require(!what.empty() && what.find('\n') == std::string::npos);
    return 0;
  }
  require(m.format_version == kManifestFormatVersion);
  require(!m.chip.family.empty());
  require(lower_hex(m.file.md5, 32) && lower_hex(m.file.sha256, 64));
  require(within_4gb(m.range));
  for (const auto& r : m.erased_ranges) require(within_4gb(r));
  if (m.partition_table)
    for (const auto& p : m.partition_table->entries) require(p.name.size() <= 16 && p.end() <= 0x100000000ull);
  if (m.whole_flash()) require(m.range.address == 0 && m.flash.size && *m.flash.size == m.range.size);

  const Manifest again = parse_manifest(text);
  require(again.chip.family == m.chip.family && again.chip.mac == m.chip.mac && again.range == m.range &&
          again.erased_ranges == m.erased_ranges && again.file.md5 == m.file.md5 &&
          again.flash.size == m.flash.size && again.image_header == m.image_header &&
          bool(again.partition_table) == bool(m.partition_table));
  return 0;
}
