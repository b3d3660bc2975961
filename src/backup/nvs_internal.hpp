#pragma once
// What nvs.cpp (pages and entries) hands nvs_items.cpp (namespaces, keys,
// values): the items whose head entries passed nvs_flash's checks.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/backup/nvs.hpp"
#include "espbak/util/bytes.hpp"

namespace espbak::backup::nvs_detail {

using util::all_ff;
using util::le32;

struct RawItem {
  std::size_t page = 0, entry = 0;
  std::uint32_t seq = 0;
  bool freeing = false;  // on a page nvs_flash is moving to another
  std::uint8_t ns = 0, type = 0, chunk = 0;
  std::string key;
  std::array<std::uint8_t, 8> data8{};
  std::vector<std::uint8_t> payload;  // variable-length types: the data entries' bytes
  bool payload_ok = true;             // its CRC32 matches
};

// Namespaces, latest values, v2 blobs assembled; problems appended.
void resolve_items(NvsPartition& nvs, std::vector<RawItem> items);

std::uint32_t crc32_of(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0xFFFFFFFF);
bool is_known_type(std::uint8_t type);
bool is_variable_length(std::uint8_t type);
// 'key' with quote, backslash and every byte outside printable ASCII escaped.
std::string escaped_quoted(std::string_view bytes);

}  // namespace espbak::backup::nvs_detail
