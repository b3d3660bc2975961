// An NVS partition's items resolved as nvs_flash's Storage sees them
// (espbak/backup/nvs.hpp): namespace names from namespace index 0, the
// latest value of each key in the log, v2 blobs assembled from their chunks
// (nvs_storage.cpp readMultiPageBlob; nvs_check.py's blob and namespace
// checks name the same faults).
#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "nvs_internal.hpp"

namespace espbak::backup {

using namespace nvs_detail;

namespace {

constexpr std::uint8_t kChunkStart0 = 0x00, kChunkStart1 = 0x80;  // VerOffset::VER_0_OFFSET, VER_1_OFFSET

using KeyId = std::pair<std::uint8_t, std::string>;
using ChunkId = std::tuple<std::uint8_t, std::string, std::uint8_t>;

class Resolver {
 public:
  Resolver(NvsPartition& nvs, std::vector<RawItem> items) : nvs_(nvs), items_(std::move(items)) {
    // The log's order: pages by sequence number, entries in page order.
    std::stable_sort(items_.begin(), items_.end(), [](const RawItem& a, const RawItem& b) { return a.seq < b.seq; });
  }

  void run() {
    read_namespaces();
    pick_latest();
    std::map<std::uint8_t, NvsNamespace> spaces;
    for (const auto& [index, name] : names_) spaces[index] = NvsNamespace{name, index, {}};
    for (const auto& [id, at] : latest_) {
      NvsItem item = value_of(items_[at]);
      auto& space = spaces[item.ns_index];
      space.index = item.ns_index;
      space.name = item.ns_name;
      space.items.push_back(std::move(item));
    }
    report_orphan_chunks();
    for (auto& [index, space] : spaces) {
      std::sort(space.items.begin(), space.items.end(), [](const NvsItem& a, const NvsItem& b) { return a.key < b.key; });
      if (!space.name)
        problem(std::nullopt, std::nullopt,
                fmt::format("namespace index {} is used by {} key{} but no namespace entry names it", index,
                            space.items.size(), space.items.size() == 1 ? "" : "s"));
      nvs_.namespaces.push_back(std::move(space));
    }
    std::stable_sort(nvs_.namespaces.begin(), nvs_.namespaces.end(), [](const NvsNamespace& a, const NvsNamespace& b) {
      if (a.name.has_value() != b.name.has_value()) return a.name.has_value();
      return a.name ? *a.name < *b.name : a.index < b.index;
    });
  }

 private:
  void problem(std::optional<std::size_t> page, std::optional<std::size_t> entry, std::string message) {
    nvs_.problems.push_back({page, entry, std::move(message)});
  }
  void problem(const RawItem& at, std::string message) { problem(at.page, at.entry, std::move(message)); }

  std::string space_of(std::uint8_t index) const {
    auto it = names_.find(index);
    return it != names_.end() ? escaped_quoted(it->second) : fmt::format("#{}", index);
  }
  std::string what(const RawItem& r, const char* type = nullptr) const {
    const std::string shown = type ? type : nvs_type_name(r.type);
    return fmt::format("{} {} in namespace {}", shown, escaped_quoted(r.key), space_of(r.ns));
  }

  // Namespace index 0: each key a namespace name, its u8 value the index.
  void read_namespaces() {
    for (const auto& r : items_) {
      if (r.ns != 0) continue;
      if (r.type != std::uint8_t(NvsType::u8)) {
        problem(r, fmt::format("namespace entry {} has type {}, not u8; ignored", escaped_quoted(r.key),
                               nvs_type_name(r.type)));
        continue;
      }
      const std::uint8_t index = r.data8[0];
      if (index == 0 || index == 0xFF) {  // NS_INDEX and NS_ANY
        problem(r, fmt::format("namespace {} has index {} (1 to 254 are valid); ignored", escaped_quoted(r.key), index));
        continue;
      }
      auto it = names_.find(index);
      if (it != names_.end() && it->second != r.key)
        problem(r, fmt::format("namespace index {} is named both {} and {}; the later, {}, is used", index,
                               escaped_quoted(it->second), escaped_quoted(r.key), escaped_quoted(r.key)));
      names_[index] = r.key;
    }
  }

  // The last write of each key wins. A page being freed holds copies of
  // what the next page holds, so its duplicates are expected.
  void pick_latest() {
    auto note_duplicate = [&](const RawItem& older, const RawItem& newer) {
      if (older.freeing || newer.freeing) return;
      problem(newer, fmt::format("{} is written twice (also at page {} entry {}); the later one is used",
                                 what(newer), older.page, older.entry));
    };
    for (std::size_t i = 0; i < items_.size(); ++i) {
      const RawItem& r = items_[i];
      if (r.ns == 0) continue;
      if (r.type == std::uint8_t(NvsType::blob_data)) {
        ChunkId id{r.ns, r.key, r.chunk};
        if (auto it = chunks_.find(id); it != chunks_.end()) note_duplicate(items_[it->second], r);
        chunks_[id] = i;
      } else {
        KeyId id{r.ns, r.key};
        if (auto it = latest_.find(id); it != latest_.end()) note_duplicate(items_[it->second], r);
        latest_[id] = i;
      }
    }
  }

  NvsItem value_of(const RawItem& r) {
    NvsItem item;
    item.ns_index = r.ns;
    if (auto it = names_.find(r.ns); it != names_.end()) item.ns_name = it->second;
    item.key = r.key;
    item.type = NvsType(r.type);
    item.page = r.page;
    item.entry = r.entry;
    switch (item.type) {
      case NvsType::str:
      case NvsType::blob:
        item.data = r.payload;
        item.size = r.payload.size();
        item.valid = r.payload_ok;
        if (item.type == NvsType::str && (r.payload.empty() || r.payload.back() != 0))
          problem(r, fmt::format("{} has no NUL terminator", what(r)));
        break;
      case NvsType::blob_index: assemble_blob(r, item); break;
      default: {
        // Page::getAlignmentForType: the low nibble of a fixed type is its width.
        item.size = r.type & 0x0F;
        for (std::size_t b = 0; b < item.size; ++b) item.bits |= std::uint64_t(r.data8[b]) << (8 * b);
      }
    }
    return item;
  }

  // BLOB_IDX: size u32, chunk count u8, chunk start u8 (nvs_types.hpp
  // Item::blobIndex); chunk n has chunk index start + n.
  void assemble_blob(const RawItem& r, NvsItem& item) {
    item.type = NvsType::blob;
    item.v2_blob = true;
    item.size = le32(r.data8.data());
    item.chunks = r.data8[4];
    const std::uint8_t start = r.data8[5];
    if (start != kChunkStart0 && start != kChunkStart1) {
      problem(r, fmt::format("{}: chunk start 0x{:02x} (NVS uses 0x00 or 0x80)", what(r, "blob"), start));
      item.valid = false;
    }
    std::vector<std::string> missing;
    std::size_t held = 0;
    for (std::size_t n = 0; n < item.chunks; ++n) {
      const std::size_t index = start + n;
      if (index >= 0xFF) {  // 0xFF is CHUNK_ANY, never a chunk's index
        problem(r, fmt::format("{}: {} chunks from 0x{:02x} run past chunk index 0xfe", what(r, "blob"),
                               item.chunks, start));
        item.valid = false;
        break;
      }
      auto it = chunks_.find(ChunkId{r.ns, r.key, std::uint8_t(index)});
      if (it == chunks_.end()) {
        missing.push_back(fmt::format("{} (index 0x{:02x})", n, index));
        continue;
      }
      used_.insert(it->second);
      const RawItem& chunk = items_[it->second];
      if (!chunk.payload_ok) item.valid = false;
      item.data.insert(item.data.end(), chunk.payload.begin(), chunk.payload.end());
      held += chunk.payload.size();
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      problem(r, fmt::format("{}: {} of its {} chunks missing: {}", what(r, "blob"), missing.size(), item.chunks,
                             list));
      item.valid = false;
    } else if (item.valid && held != item.size) {
      problem(r, fmt::format("{}: its chunks hold {} bytes, its index says {}", what(r, "blob"), held, item.size));
      item.valid = false;
    }
  }

  void report_orphan_chunks() {
    for (const auto& [id, at] : chunks_)
      if (!used_.count(at)) {
        const RawItem& r = items_[at];
        problem(r, fmt::format("blob chunk 0x{:02x} of {} belongs to no blob index (left over from an interrupted "
                               "write; nvs_flash erases it)",
                               r.chunk, what(r, "blob")));
      }
  }

  NvsPartition& nvs_;
  std::vector<RawItem> items_;
  std::map<std::uint8_t, std::string> names_;
  std::map<KeyId, std::size_t> latest_;
  std::map<ChunkId, std::size_t> chunks_;
  std::set<std::size_t> used_;
};

}  // namespace

namespace nvs_detail {
void resolve_items(NvsPartition& nvs, std::vector<RawItem> items) { Resolver(nvs, std::move(items)).run(); }
}  // namespace nvs_detail

std::int64_t NvsItem::signed_value() const {
  if (size == 0 || size >= 8) return std::int64_t(bits);
  const std::uint64_t sign = std::uint64_t(1) << (8 * size - 1);
  return std::int64_t((bits ^ sign) - sign);
}

double NvsItem::floating_value() const {
  if (type == NvsType::f32) {
    float f;
    const auto word = std::uint32_t(bits);
    std::memcpy(&f, &word, sizeof f);
    return f;
  }
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string NvsItem::text() const {
  std::string s(data.begin(), data.end());
  if (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

}  // namespace espbak::backup
