#pragma once
// An ESP-IDF NVS partition (non-volatile storage, components/nvs_flash) as
// nvs_flash reads it: pages, their entries, and the namespaces, keys and
// values they hold. Pure functions over bytes: no file, no port.
//
// The format (ESP-IDF docs api-reference/storage/nvs_flash.rst "Internals";
// src/nvs_page.hpp, nvs_types.hpp, private_include/nvs_constants.h;
// nvs_partition_tool/nvs_parser.py; esp-idf-nvs-partition-gen's
// nvs_partition_gen.py):
//  - 4096-byte pages: a 32-byte header (state u32, sequence number u32,
//    version u8 (0xFF v1, 0xFE v2), 19 reserved bytes, CRC32 of bytes 4..27),
//    a 32-byte entry state bitmap (2 bits per entry, entry i in byte i/4 at
//    bit 2*(i%4): 11 empty, 10 written, 00 erased), then 126 entries of 32
//    bytes;
//  - an entry: namespace index, type, span, chunk index, CRC32 (of bytes
//    0..3 and 8..31), a 16-byte NUL-terminated key, 8 data bytes; strings
//    and blobs occupy `span` entries, the data after the head entry;
//  - NVS v2 splits a blob into BLOB_DATA chunks (chunk index = chunk start
//    (0x00 or 0x80) + n), listed by a BLOB_IDX entry (size, chunk count,
//    chunk start); v1's BLOB holds the whole blob on one page;
//  - namespace names are the keys of namespace index 0 (type u8, the value
//    the namespace's index).
// Every CRC32 is zlib's crc32 started from 0xFFFFFFFF, which is what
// esp_rom_crc32_le(0xffffffff, ...) computes (nvs_parser.py checks the
// device's CRCs with zlib.crc32(data, 0xFFFFFFFF)).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace espbak::backup {

constexpr std::size_t kNvsPageSize = 4096;        // NVS_CONST_PAGE_SIZE
constexpr std::size_t kNvsEntrySize = 32;         // NVS_CONST_ENTRY_SIZE
constexpr std::size_t kNvsEntriesPerPage = 126;   // NVS_CONST_ENTRY_COUNT
constexpr std::size_t kNvsFirstEntryOffset = 64;  // NVS_CONST_PAGE_ENTRY_DATA_OFFSET

// Page state words (nvs_constants.h NVS_CONST_PAGE_STATE_*): bits cleared
// one by one as a page goes from erased to active, full, freeing, corrupt.
constexpr std::uint32_t kNvsPageEmpty = 0xFFFFFFFF;
constexpr std::uint32_t kNvsPageActive = 0xFFFFFFFE;
constexpr std::uint32_t kNvsPageFull = 0xFFFFFFFC;
constexpr std::uint32_t kNvsPageFreeing = 0xFFFFFFF8;
constexpr std::uint32_t kNvsPageCorrupt = 0xFFFFFFF0;

// The header's version byte (NVS_CONST_NVS_VERSION; "decremented for every
// version upgrade starting at 0xff").
constexpr std::uint8_t kNvsVersion1 = 0xFF;
constexpr std::uint8_t kNvsVersion2 = 0xFE;

// Item types (nvs.h nvs_type_t, nvs_handle.hpp ItemType).
enum class NvsType : std::uint8_t {
  u8 = 0x01, i8 = 0x11, u16 = 0x02, i16 = 0x12, u32 = 0x04, i32 = 0x14, u64 = 0x08, i64 = 0x18,
  f32 = 0x24,  // NVS_TYPE_FLOAT (ESP-IDF 6)
  f64 = 0x28,  // NVS_TYPE_DOUBLE
  str = 0x21,
  blob = 0x41,       // v1: the whole blob in one variable-length item
  blob_data = 0x42,  // v2: one chunk
  blob_index = 0x48,  // v2: the chunks' bookkeeping
};

enum class NvsPageState { empty, active, full, freeing, corrupt, unknown };
enum class NvsEntryState { empty, written, erased, illegal };

// "u8" ... "i64", "float", "double", "string", "blob", "blob_data",
// "blob_index" (nvs_partition_gen.py's CSV encodings where it has one),
// else "0x33".
std::string nvs_type_name(std::uint8_t type);
// "empty", "active", "full", "freeing", "corrupt", "unknown".
std::string nvs_page_state_name(NvsPageState state);

struct NvsPage {
  std::size_t number = 0;          // offset / 4096 in the partition
  std::uint32_t state_word = kNvsPageEmpty;
  NvsPageState state = NvsPageState::empty;
  std::uint32_t seq = 0;           // sequence number (not meaningful when empty)
  std::uint8_t version_byte = 0xFF;
  // 1 for 0xFF, 2 for 0xFE, ... (nvs_parser.py: 256 - byte).
  int version() const { return 256 - version_byte; }
  bool header_crc_ok = false;
  // Its entries were read: active, full or freeing with a valid header (the
  // pages nvs_flash loads).
  bool read = false;
  // From the entry state bitmap.
  std::size_t written = 0, erased = 0, empty = 0, illegal = 0;
};

// Something wrong in the partition, reported rather than refused.
struct NvsProblem {
  std::optional<std::size_t> page;   // page number
  std::optional<std::size_t> entry;  // entry index in the page (0..125)
  std::string message;               // one line, without the location
  // "page 2 entry 17: <message>", "page 2: ...", or the message alone.
  std::string line() const;
};

// One key's value as nvs_get_* would return it.
struct NvsItem {
  std::uint8_t ns_index = 0;
  std::optional<std::string> ns_name;  // nullopt: no namespace entry names the index
  std::string key;
  // u8 ... f64, str, or blob (for v1 BLOB and v2 BLOB_IDX alike).
  NvsType type = NvsType::u8;
  // Integer and floating types: the 8 data bytes, little-endian, only the
  // type's width kept (the rest zero).
  std::uint64_t bits = 0;
  // Strings (the stored bytes, NUL terminator included) and blobs (chunks
  // assembled in order: those present, when some are missing).
  std::vector<std::uint8_t> data;
  // Bytes of the value: integer width, string size with its terminator,
  // blob size as its index (or BLOB entry) states it.
  std::size_t size = 0;
  std::size_t page = 0, entry = 0;  // where its head (or blob index) entry is
  bool v2_blob = false;
  std::size_t chunks = 0;  // v2 blob: its chunk count
  // False when its data CRC32 does not match, a chunk is missing or the
  // chunks do not add up to its size: the device would not return it.
  bool valid = true;

  std::int64_t signed_value() const;  // integer types, sign-extended
  double floating_value() const;      // f32 / f64
  // A string's text: the stored bytes less the NUL terminator.
  std::string text() const;
};

struct NvsNamespace {
  std::optional<std::string> name;  // nullopt: used by items but defined by no entry
  std::uint8_t index = 0;
  std::vector<NvsItem> items;  // sorted by key
};

struct NvsPartition {
  std::size_t size = 0;
  std::vector<NvsPage> pages;  // in partition order
  std::vector<NvsNamespace> namespaces;  // by name, then the nameless by index
  std::vector<NvsProblem> problems;
  std::size_t entries_written = 0, entries_erased = 0, entries_empty = 0, entries_illegal = 0;
  std::size_t item_count() const;
};

// Reads the NVS in `bytes` (one whole partition). Problems in pages and
// entries are listed in `problems` (never thrown). Throws Error(input),
// one line, where the input is unusable: empty or not a multiple of 4096
// bytes; pages without NVS page states (not NVS, or flash-encrypted
// ciphertext), unless the partition is entirely erased; written entries
// of which none has a valid CRC32 nor looks like a plain entry (NVS
// encryption: XTS-AES ciphertext, which espbak cannot decrypt).
NvsPartition parse_nvs(std::span<const std::uint8_t> bytes);

}  // namespace espbak::backup
