// An NVS partition's pages and entries (espbak/backup/nvs.hpp); the
// namespaces, keys and values they resolve to are nvs_items.cpp's.
#include "espbak/backup/nvs.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

#include "nvs_internal.hpp"
#include "espbak/util/error.hpp"

namespace espbak::backup {

namespace nvs_detail {

std::uint32_t crc32_of(std::span<const std::uint8_t> bytes, std::uint32_t crc) {
  // zlib's crc32(crc, ...) continues from a finished CRC: started from
  // 0xFFFFFFFF it is nvs_flash's esp_rom_crc32_le(0xffffffff, ...).
  return std::uint32_t(::crc32(crc, bytes.data(), uInt(bytes.size())));
}

bool is_known_type(std::uint8_t type) {
  switch (NvsType(type)) {
    case NvsType::u8: case NvsType::i8: case NvsType::u16: case NvsType::i16: case NvsType::u32:
    case NvsType::i32: case NvsType::u64: case NvsType::i64: case NvsType::f32: case NvsType::f64:
    case NvsType::str: case NvsType::blob: case NvsType::blob_data: case NvsType::blob_index:
      return true;
  }
  return false;
}

bool is_variable_length(std::uint8_t type) {
  return type == std::uint8_t(NvsType::str) || type == std::uint8_t(NvsType::blob) ||
         type == std::uint8_t(NvsType::blob_data);
}

std::string escaped_quoted(std::string_view bytes) {
  std::string out = "'";
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\'' || c == '\\') out += fmt::format("\\{}", c);
    else if (b >= 0x20 && b < 0x7F) out += c;
    else out += fmt::format("\\x{:02x}", b);
  }
  return out + "'";
}

}  // namespace nvs_detail

using namespace nvs_detail;

namespace {

// Item layout (nvs_types.hpp Item): nsIndex, datatype, span, chunkIndex,
// crc32, key[16], data[8].
constexpr std::size_t kKeyOffset = 8, kKeySize = 16, kDataOffset = 24;
constexpr std::uint8_t kChunkAny = 0xFF;  // Item::CHUNK_ANY
// checkHeaderConsistency's limit for BLOB_IDX: (UINT8_MAX / 2) chunks of
// (ENTRY_COUNT - 1) entries of 32 bytes.
constexpr std::uint32_t kMaxBlobSize = (255 / 2) * (kNvsEntriesPerPage - 1) * kNvsEntrySize;

NvsPageState state_of(std::uint32_t word) {
  switch (word) {
    case kNvsPageEmpty: return NvsPageState::empty;
    case kNvsPageActive: return NvsPageState::active;
    case kNvsPageFull: return NvsPageState::full;
    case kNvsPageFreeing: return NvsPageState::freeing;
    case kNvsPageCorrupt: return NvsPageState::corrupt;
    default: return NvsPageState::unknown;
  }
}

NvsEntryState entry_state(std::span<const std::uint8_t> page, std::size_t i) {
  // CompressedEnumTable<EntryState, 2, ENTRY_COUNT>: little-endian words, 2
  // bits per entry, so entry i is byte i / 4, bits 2 * (i % 4).
  switch ((page[32 + i / 4] >> (2 * (i % 4))) & 3) {
    case 3: return NvsEntryState::empty;
    case 2: return NvsEntryState::written;
    case 0: return NvsEntryState::erased;
    default: return NvsEntryState::illegal;
  }
}

std::uint32_t entry_crc(std::span<const std::uint8_t> e) {
  // Item::calculateCrc32: nsIndex..chunkIndex, then key and data (all but the CRC).
  return crc32_of(e.subspan(kKeyOffset), crc32_of(e.first(4)));
}

// The key up to its NUL; nullopt when the 16 bytes hold none.
std::optional<std::string> key_of(std::span<const std::uint8_t> e) {
  const auto* p = e.data() + kKeyOffset;
  const auto* nul = std::find(p, p + kKeySize, 0);
  if (nul == p + kKeySize) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(p), std::size_t(nul - p));
}

std::string shown_key(std::span<const std::uint8_t> e) {
  if (auto key = key_of(e)) return escaped_quoted(*key);
  return escaped_quoted(std::string_view(reinterpret_cast<const char*>(e.data() + kKeyOffset), kKeySize));
}

// A plain (unencrypted) entry, even a damaged one, has a known type and a
// printable NUL-terminated key; XTS ciphertext almost never has both.
bool looks_plain(std::span<const std::uint8_t> e) {
  auto key = key_of(e);
  if (!key || key->empty() || !is_known_type(e[1])) return false;
  return std::all_of(key->begin(), key->end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

// Item::checkHeaderConsistency, as a sentence naming what is wrong.
std::optional<std::string> header_fault(std::span<const std::uint8_t> e, std::size_t index) {
  const std::uint8_t type = e[1], span = e[2], chunk = e[3];
  const std::string what = fmt::format("entry {} ({})", shown_key(e), nvs_type_name(type));
  const std::uint32_t stored = le32(e.data() + 4), computed = entry_crc(e);
  if (stored != computed)
    return fmt::format("{}: CRC32 0x{:08x} does not match its bytes (0x{:08x})", what, stored, computed);
  if (!is_known_type(type)) return fmt::format("{}: unknown item type 0x{:02x}", what, type);
  if (!key_of(e)) return fmt::format("{}: its key has no NUL within 16 bytes", what);
  if (!is_variable_length(type)) {
    if (span != 1) return fmt::format("{}: span {} (this type takes 1 entry)", what, span);
    if (type == std::uint8_t(NvsType::blob_index)) {
      if (chunk != kChunkAny) return fmt::format("{}: chunk index 0x{:02x} (a blob index has 0xff)", what, chunk);
      if (le32(e.data() + kDataOffset) > kMaxBlobSize)
        return fmt::format("{}: blob size {} exceeds the most NVS can hold ({})", what,
                           le32(e.data() + kDataOffset), kMaxBlobSize);
    }
    return std::nullopt;
  }
  if (type == std::uint8_t(NvsType::blob_data) && chunk == kChunkAny)
    return fmt::format("{}: chunk index 0xff (a blob chunk has its number there)", what);
  const std::size_t size = std::size_t(e[kDataOffset]) | std::size_t(e[kDataOffset + 1]) << 8;
  const std::size_t room = kNvsEntriesPerPage - index;  // entries from this one to the page's end
  if (span > room || size > (room - 1) * kNvsEntrySize)
    return fmt::format("{}: {} bytes in span {} run past the end of the page ({} entries left)", what, size, span,
                       room);
  if (span != (size + kNvsEntrySize - 1) / kNvsEntrySize + 1)
    return fmt::format("{}: span {} does not fit its size of {} bytes", what, span, size);
  return std::nullopt;
}

// After a bad head entry: its span is skipped where the head still reads as
// a consistent variable-length item (its data entries are not items),
// else the walk goes on with the next entry, as nvs_flash does.
std::size_t entries_to_skip(std::span<const std::uint8_t> e, std::size_t index) {
  const std::uint8_t span = e[2];
  const std::size_t size = std::size_t(e[kDataOffset]) | std::size_t(e[kDataOffset + 1]) << 8;
  if (is_variable_length(e[1]) && span >= 2 && span <= kNvsEntriesPerPage - index &&
      span == (size + kNvsEntrySize - 1) / kNvsEntrySize + 1)
    return span;
  return 1;
}

struct Evidence {  // what tells plain NVS from NVS-encrypted entries
  std::size_t heads = 0, valid = 0, plain_looking = 0;
};

class PageReader {
 public:
  PageReader(std::span<const std::uint8_t> page, NvsPage& info, std::vector<RawItem>& items,
             std::vector<NvsProblem>& problems, Evidence& evidence)
      : page_(page), info_(info), items_(items), problems_(problems), evidence_(evidence) {}

  void read_entries() {
    std::size_t empty_with_data = 0, first_empty_with_data = 0;
    for (std::size_t i = 0; i < kNvsEntriesPerPage;) {
      const auto e = entry(i);
      switch (entry_state(page_, i)) {
        case NvsEntryState::empty:
          if (!all_ff(e) && empty_with_data++ == 0) first_empty_with_data = i;
          ++i;
          continue;
        case NvsEntryState::erased: ++i; continue;
        case NvsEntryState::illegal:
          problem(i, "entry state bits 01 (illegal: only an inconsistent flash has them)");
          ++i;
          continue;
        case NvsEntryState::written: break;
      }
      i += read_item(i);
    }
    if (empty_with_data)
      problems_.push_back({info_.number, first_empty_with_data,
                           fmt::format("{} entr{} marked empty hold data (an interrupted write?)", empty_with_data,
                                       empty_with_data == 1 ? "y" : "ies")});
  }

 private:
  std::span<const std::uint8_t> entry(std::size_t i) const {
    return page_.subspan(kNvsFirstEntryOffset + i * kNvsEntrySize, kNvsEntrySize);
  }
  void problem(std::size_t i, std::string message) {
    problems_.push_back({info_.number, i, std::move(message)});
  }

  // The written entry at `i` as the head of an item; returns the entries it takes.
  std::size_t read_item(std::size_t i) {
    const auto e = entry(i);
    if (all_ff(e)) {  // not ciphertext either: no evidence of encryption
      problem(i, "entry marked written holds nothing (all 0xFF)");
      return 1;
    }
    ++evidence_.heads;
    if (auto fault = header_fault(e, i)) {
      if (looks_plain(e)) ++evidence_.plain_looking;
      problem(i, *fault);
      return entries_to_skip(e, i);
    }
    ++evidence_.valid;
    RawItem item;
    item.page = info_.number;
    item.entry = i;
    item.seq = info_.seq;
    item.freeing = info_.state == NvsPageState::freeing;
    item.ns = e[0];
    item.type = e[1];
    item.chunk = e[3];
    item.key = *key_of(e);
    std::copy_n(e.data() + kDataOffset, 8, item.data8.begin());
    const std::size_t span = e[2];
    if (is_variable_length(item.type)) {
      for (std::size_t j = i + 1; j < i + span; ++j)
        if (entry_state(page_, j) != NvsEntryState::written) {
          problem(i, fmt::format("{} {} spans entries {}..{} but entry {} is not marked written (an interrupted "
                                 "write; nvs_flash drops it)",
                                 nvs_type_name(item.type), escaped_quoted(item.key), i, i + span - 1, j));
          return span;
        }
      const std::size_t size = std::size_t(item.data8[0]) | std::size_t(item.data8[1]) << 8;
      const auto payload = page_.subspan(kNvsFirstEntryOffset + (i + 1) * kNvsEntrySize, size);
      item.payload.assign(payload.begin(), payload.end());
      const std::uint32_t stored = le32(item.data8.data() + 4), computed = crc32_of(payload);
      item.payload_ok = stored == computed;
      if (!item.payload_ok)
        problem(i, fmt::format("{} {}: data CRC32 0x{:08x} does not match its {} bytes (0x{:08x})",
                               nvs_type_name(item.type), escaped_quoted(item.key), stored, size, computed));
    }
    items_.push_back(std::move(item));
    return span;
  }

  std::span<const std::uint8_t> page_;
  NvsPage& info_;
  std::vector<RawItem>& items_;
  std::vector<NvsProblem>& problems_;
  Evidence& evidence_;
};

NvsPage read_header(std::span<const std::uint8_t> page, std::size_t number) {
  NvsPage info;
  info.number = number;
  info.state_word = le32(page.data());
  info.state = state_of(info.state_word);
  info.seq = le32(page.data() + 4);
  info.version_byte = page[8];
  // Page::Header::calculateCrc32: bytes 4..27 (all but the state and the CRC).
  info.header_crc_ok = le32(page.data() + 28) == crc32_of(page.subspan(4, 24));
  for (std::size_t i = 0; i < kNvsEntriesPerPage; ++i) switch (entry_state(page, i)) {
      case NvsEntryState::empty: ++info.empty; break;
      case NvsEntryState::written: ++info.written; break;
      case NvsEntryState::erased: ++info.erased; break;
      case NvsEntryState::illegal: ++info.illegal; break;
    }
  return info;
}

// Which pages nvs_flash reads (Page::load) and what is wrong with the others.
void check_header(std::span<const std::uint8_t> page, NvsPage& info, std::vector<NvsProblem>& problems) {
  auto problem = [&](std::string message) { problems.push_back({info.number, std::nullopt, std::move(message)}); };
  if (info.state == NvsPageState::empty) {
    if (!all_ff(page)) problem("page marked empty (uninitialised) holds data; nvs_flash takes it for corrupt");
    return;
  }
  if (info.state == NvsPageState::unknown) {
    problem(fmt::format("page state 0x{:08x} is none of NVS's; the page is not read", info.state_word));
    return;
  }
  if (!info.header_crc_ok) {
    problem(fmt::format("page header CRC32 0x{:08x} does not match its bytes (0x{:08x}); the page is not read",
                        le32(page.data() + 28), crc32_of(page.subspan(4, 24))));
    return;
  }
  if (info.state == NvsPageState::corrupt) {
    problem("page marked corrupt by nvs_flash; its entries are not read");
    return;
  }
  if (info.version_byte != kNvsVersion1 && info.version_byte != kNvsVersion2)
    problem(fmt::format("page has NVS format version {} (version byte 0x{:02x}); espbak knows v1 and v2",
                        info.version(), info.version_byte));
  info.read = true;
}

}  // namespace

std::string nvs_type_name(std::uint8_t type) {
  switch (NvsType(type)) {
    case NvsType::u8: return "u8";
    case NvsType::i8: return "i8";
    case NvsType::u16: return "u16";
    case NvsType::i16: return "i16";
    case NvsType::u32: return "u32";
    case NvsType::i32: return "i32";
    case NvsType::u64: return "u64";
    case NvsType::i64: return "i64";
    case NvsType::f32: return "float";
    case NvsType::f64: return "double";
    case NvsType::str: return "string";
    case NvsType::blob: return "blob";
    case NvsType::blob_data: return "blob_data";
    case NvsType::blob_index: return "blob_index";
  }
  return fmt::format("0x{:02x}", type);
}

std::string nvs_page_state_name(NvsPageState state) {
  switch (state) {
    case NvsPageState::empty: return "empty";
    case NvsPageState::active: return "active";
    case NvsPageState::full: return "full";
    case NvsPageState::freeing: return "freeing";
    case NvsPageState::corrupt: return "corrupt";
    case NvsPageState::unknown: break;
  }
  return "unknown";
}

std::string NvsProblem::line() const {
  if (page && entry) return fmt::format("page {} entry {}: {}", *page, *entry, message);
  if (page) return fmt::format("page {}: {}", *page, message);
  return message;
}

std::size_t NvsPartition::item_count() const {
  std::size_t n = 0;
  for (const auto& ns : namespaces) n += ns.items.size();
  return n;
}

NvsPartition parse_nvs(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw Error(ErrorKind::input, "NVS partition is empty (0 bytes)");
  if (bytes.size() % kNvsPageSize)
    throw Error(ErrorKind::input, fmt::format("NVS partition is {} bytes, not a multiple of its 4096-byte pages "
                                              "(truncated?)",
                                              bytes.size()));
  NvsPartition nvs;
  nvs.size = bytes.size();
  std::vector<RawItem> items;
  Evidence evidence;
  std::size_t known_state = 0, holding_data = 0;
  for (std::size_t at = 0; at < bytes.size(); at += kNvsPageSize) {
    const auto page = bytes.subspan(at, kNvsPageSize);
    NvsPage info = read_header(page, at / kNvsPageSize);
    nvs.entries_written += info.written;
    nvs.entries_erased += info.erased;
    nvs.entries_empty += info.empty;
    nvs.entries_illegal += info.illegal;
    if (!all_ff(page)) ++holding_data;
    if (info.state != NvsPageState::empty && info.state != NvsPageState::unknown) ++known_state;
    check_header(page, info, nvs.problems);
    if (info.read) PageReader(page, info, items, nvs.problems, evidence).read_entries();
    nvs.pages.push_back(info);
  }
  if (holding_data && !known_state)
    throw Error(ErrorKind::input,
                fmt::format("not an NVS partition: none of its {} page{} holding data has an NVS page state "
                            "(not NVS, or encrypted by flash encryption)",
                            holding_data, holding_data == 1 ? "" : "s"));
  // A whole-flash image read as one NVS partition has a few NVS pages
  // among many others: refused, rather than a problem line per page.
  if (known_state * 2 < holding_data)
    throw Error(ErrorKind::input,
                fmt::format("not an NVS partition: only {} of its {} pages holding data have an NVS page state "
                            "(a whole-flash image?)",
                            known_state, holding_data));
  if (evidence.heads && !evidence.valid && !evidence.plain_looking)
    throw Error(ErrorKind::input,
                fmt::format("NVS partition is encrypted (NVS encryption): none of its {} written entr{} has a "
                            "valid CRC32 or a readable key; espbak cannot decrypt it",
                            evidence.heads, evidence.heads == 1 ? "y" : "ies"));
  resolve_items(nvs, std::move(items));
  return nvs;
}

}  // namespace espbak::backup
