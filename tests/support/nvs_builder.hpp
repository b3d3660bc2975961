#pragma once
// Builds NVS pages for tests the way esp-idf-nvs-partition-gen's
// nvs_partition_gen.py lays them out (class Page): a header (state, sequence
// number, version byte, 19 x FF, CRC32 of bytes 4..27), the entry state
// bitmap (FF, each written entry's low bit cleared: 2'b10), entries from
// byte 64: namespace index, type, span, chunk index, CRC32 of bytes 0..3
// and 8..31, the key NUL-padded to 16 bytes, 8 data bytes (FF where a value
// is narrower); a string's or blob's bytes in the entries after its head,
// the last one FF-padded. Its own CRC-32 (bitwise, not zlib's), so that
// tests/unit/test_nvs.cpp checks the parser against an independent one.
// Header-only: unit and e2e tests both use it.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_nvs {

using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kPage = 4096, kEntry = 32, kEntries = 126;
constexpr std::uint32_t kActive = 0xFFFFFFFE, kFull = 0xFFFFFFFC, kFreeing = 0xFFFFFFF8;
constexpr std::uint8_t kV1 = 0xFF, kV2 = 0xFE;
// Item types (nvs_partition_gen.py Page.U8 ...).
constexpr std::uint8_t U8 = 0x01, I8 = 0x11, U16 = 0x02, I16 = 0x12, U32 = 0x04, I32 = 0x14, U64 = 0x08,
                       I64 = 0x18, SZ = 0x21, BLOB = 0x41, BLOB_DATA = 0x42, BLOB_IDX = 0x48;

// CRC-32 (reflected polynomial 0xEDB88320) continuing from a finished CRC
// `crc`, as zlib.crc32(data, crc) does: NVS starts every CRC at 0xFFFFFFFF.
inline std::uint32_t crc32(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0xFFFFFFFF) {
  crc = ~crc;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (8 * i));
}

// The CRC32 of an entry's bytes 0..3 and 8..31 (nvs_partition_gen.py set_crc_header).
inline std::uint32_t entry_crc(const std::uint8_t* e) {
  std::uint8_t buf[28];
  std::memcpy(buf, e, 4);
  std::memcpy(buf + 4, e + 8, 24);
  return crc32(buf, sizeof buf);
}

class Page {
 public:
  explicit Page(std::uint32_t seq, std::uint8_t version = kV2, std::uint32_t state = kActive)
      : state(state), seq(seq), version(version), bytes_(kPage, 0xFF) {}

  std::size_t next() const { return next_; }

  // A namespace: key `name` in namespace 0, its u8 value the index.
  std::size_t add_namespace(const std::string& name, std::uint8_t index) { return add_int(0, U8, name, index); }

  // A fixed-width value: the type's low nibble is its width (1, 2, 4, 8).
  std::size_t add_int(std::uint8_t ns, std::uint8_t type, const std::string& key, std::uint64_t value) {
    std::uint8_t e[kEntry];
    head(e, ns, type, 1, 0xFF, key);
    for (std::size_t i = 0; i < std::size_t(type & 0x0F); ++i) e[24 + i] = std::uint8_t(value >> (8 * i));
    return write(e, {});
  }

  // A string (its NUL added), as nvs_partition_gen.py writes it.
  std::size_t add_string(std::uint8_t ns, const std::string& key, const std::string& text) {
    Bytes data(text.begin(), text.end());
    data.push_back(0);
    return add_var(ns, SZ, key, data);
  }

  // SZ, BLOB (v1) or BLOB_DATA (v2 chunk `chunk`): head entry (size u16,
  // reserved FF FF, data CRC32), then the data.
  std::size_t add_var(std::uint8_t ns, std::uint8_t type, const std::string& key, const Bytes& data,
                      std::uint8_t chunk = 0xFF) {
    std::uint8_t e[kEntry];
    head(e, ns, type, std::uint8_t((data.size() + kEntry - 1) / kEntry + 1), chunk, key);
    e[24] = std::uint8_t(data.size());
    e[25] = std::uint8_t(data.size() >> 8);
    put32(e + 28, crc32(data.data(), data.size()));
    return write(e, data);
  }

  // BLOB_IDX: size u32, chunk count, chunk start, FF FF.
  std::size_t add_blob_index(std::uint8_t ns, const std::string& key, std::uint32_t size, std::uint8_t count,
                             std::uint8_t start = 0) {
    std::uint8_t e[kEntry];
    head(e, ns, BLOB_IDX, 1, 0xFF, key);
    put32(e + 24, size);
    e[28] = count;
    e[29] = start;
    return write(e, {});
  }

  // Entry state bits of entry i: 3 empty, 2 written, 0 erased, 1 illegal.
  void set_state(std::size_t i, unsigned bits) {
    std::uint8_t& b = bytes_[32 + i / 4];
    b = std::uint8_t((b & ~(3u << (2 * (i % 4)))) | (bits << (2 * (i % 4))));
  }
  void erase(std::size_t first, std::size_t count = 1) {
    for (std::size_t i = first; i < first + count; ++i) set_state(i, 0);
  }
  // The 32 bytes of entry i (to break them on purpose).
  std::uint8_t* entry(std::size_t i) { return bytes_.data() + 64 + i * kEntry; }
  // Recomputes entry i's CRC after a change that should stay consistent.
  void fix_crc(std::size_t i) { put32(entry(i) + 4, entry_crc(entry(i))); }

  // The page with its header; a header CRC given by the test replaces the right one.
  Bytes bytes() const {
    Bytes out = bytes_;
    put32(out.data(), state);
    put32(out.data() + 4, seq);
    out[8] = version;
    put32(out.data() + 28, header_crc ? *header_crc : crc32(out.data() + 4, 24));
    return out;
  }

  std::uint32_t state;
  std::uint32_t seq;
  std::uint8_t version;
  std::optional<std::uint32_t> header_crc;

 private:
  void head(std::uint8_t* e, std::uint8_t ns, std::uint8_t type, std::uint8_t span, std::uint8_t chunk,
            const std::string& key) {
    std::memset(e, 0xFF, kEntry);
    e[0] = ns;
    e[1] = type;
    e[2] = span;
    e[3] = chunk;
    std::memset(e + 8, 0, 16);
    std::memcpy(e + 8, key.data(), std::min<std::size_t>(key.size(), 16));
  }
  std::size_t write(std::uint8_t* e, const Bytes& data) {
    put32(e + 4, entry_crc(e));
    const std::size_t at = next_;
    if (at + 1 + (data.size() + kEntry - 1) / kEntry > kEntries) throw std::logic_error("NVS test page overflows");
    std::memcpy(entry(at), e, kEntry);
    std::memcpy(entry(at + 1), data.data(), data.size());  // the rest of the last data entry stays FF
    const std::size_t used = 1 + (data.size() + kEntry - 1) / kEntry;
    for (std::size_t i = at; i < at + used; ++i) set_state(i, 2);
    next_ += used;
    return at;
  }

  Bytes bytes_;
  std::size_t next_ = 0;
};

// The pages in order, then erased pages up to `total_pages`.
inline Bytes partition(const std::vector<Page>& pages, std::size_t total_pages = 0) {
  Bytes out;
  for (const auto& p : pages) {
    const Bytes b = p.bytes();
    out.insert(out.end(), b.begin(), b.end());
  }
  if (out.size() < total_pages * kPage) out.resize(total_pages * kPage, 0xFF);
  return out;
}

}  // namespace test_nvs
