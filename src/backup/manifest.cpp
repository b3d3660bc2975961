// The manifest reader (espbak/backup/manifest.hpp): strict about what
// version 1 promises (docs/manifest.md), silent about keys it does not
// know, so that a later espbak may add keys without a new version.
#include "espbak/backup/manifest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "espbak/util/json.hpp"

namespace espbak::backup {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& problem) {
  throw Error(ErrorKind::input, fmt::format("\"{}\" {}", key, problem));
}

// One object of the manifest, read key by key; `where` is its path
// ("chip", "erased_ranges[2]") for the messages.
class Members {
 public:
  Members(const JsonValue& value, std::string where) : where_(std::move(where)) {
    object_ = value.as_object();
    if (!object_) fail(where_.empty() ? "(top level)" : where_, "must be an object");
    // A key given twice is ambiguous (util/json's find() takes the first).
    std::vector<std::string_view> keys;
    for (const auto& member : *object_) keys.push_back(member.first);
    std::sort(keys.begin(), keys.end());
    if (auto twice = std::adjacent_find(keys.begin(), keys.end()); twice != keys.end())
      fail(path(printable_name(*twice)), "is given twice");
  }

  std::string path(std::string_view key) const { return where_.empty() ? std::string(key) : where_ + "." + std::string(key); }

  const JsonValue* optional(std::string_view key) const {
    for (const auto& [name, value] : *object_)
      if (name == key) return &value;
    return nullptr;
  }
  const JsonValue& required(std::string_view key) const {
    if (const JsonValue* v = optional(key)) return *v;
    fail(path(key), "is missing");
  }

  std::string text(std::string_view key) const {
    const std::string* s = required(key).as_string();
    if (!s) fail(path(key), "must be a string");
    return *s;
  }
  bool flag(std::string_view key) const {
    auto b = required(key).as_bool();
    if (!b) fail(path(key), "must be true or false");
    return *b;
  }
  // A whole number in [0, max].
  std::uint64_t number(std::string_view key, std::uint64_t max) const { return number_of(required(key), path(key), max); }
  // The same, or null (nullopt).
  std::optional<std::uint64_t> number_or_null(std::string_view key, std::uint64_t max) const {
    const JsonValue& v = required(key);
    if (v.is_null()) return std::nullopt;
    return number_of(v, path(key), max);
  }

  static std::uint64_t number_of(const JsonValue& v, const std::string& where, std::uint64_t max) {
    auto n = v.as_integer();
    if (!n) fail(where, "must be a whole number");
    if (*n < 0 || std::uint64_t(*n) > max) fail(where, fmt::format("is {}, outside 0..{}", *n, max));
    return std::uint64_t(*n);
  }

 private:
  const JsonValue::Object* object_ = nullptr;
  std::string where_;
};

constexpr std::uint64_t kU32 = 0xFFFFFFFFull;

std::string hex_digest(const Members& m, std::string_view key, std::size_t digits) {
  std::string s = m.text(key);
  bool hex = s.size() == digits;
  for (char c : s) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) fail(m.path(key), fmt::format("must be {} lower-case hex digits", digits));
  return s;
}

ManifestRange range_of(const JsonValue& v, const std::string& where) {
  Members m(v, where);
  ManifestRange r;
  r.address = std::uint32_t(m.number("address", kU32));
  r.size = std::uint32_t(m.number("size", kU32));
  if (std::uint64_t(r.address) + r.size > kU32 + 1) fail(where, "ends past 4 GB");
  return r;
}

ManifestImageHeader image_header_of(const JsonValue& v) {
  Members m(v, "image_header");
  ManifestImageHeader h;
  h.address = std::uint32_t(m.number("address", kU32));
  h.flash_mode = m.text("flash_mode");
  h.flash_freq = m.text("flash_freq");
  h.flash_size = m.text("flash_size");
  return h;
}

// The partition table in ops/partitions.hpp partition_table_json()'s form.
PartitionTable partition_table_of(const JsonValue& v) {
  Members m(v, "partition_table");
  PartitionTable t;
  t.table_offset = std::uint32_t(m.number("offset", kU32));
  t.md5_present = m.flag("md5_present");
  const auto* parts = m.required("partitions").as_array();
  if (!parts) fail("partition_table.partitions", "must be an array");
  for (std::size_t i = 0; i < parts->size(); ++i) {
    Members p((*parts)[i], fmt::format("partition_table.partitions[{}]", i));
    Partition part;
    part.name = p.text("name");
    if (part.name.size() > 16) fail(p.path("name"), "is longer than 16 bytes");
    p.text("type");  // the names are for people; the ids are what counts
    p.text("subtype");
    part.type = std::uint8_t(p.number("type_id", 0xFF));
    part.subtype = std::uint8_t(p.number("subtype_id", 0xFF));
    part.offset = std::uint32_t(p.number("offset", kU32));
    part.size = std::uint32_t(p.number("size", kU32));
    if (part.end() > kU32 + 1) fail(p.path("size"), "makes the partition end past 4 GB");
    part.flags = (p.flag("encrypted") ? kFlagEncrypted : 0) | (p.flag("readonly") ? kFlagReadonly : 0);
    t.entries.push_back(std::move(part));
  }
  // The binary reader's checks (duplicate names, overlaps, entries below
  // the table) hold for the manifest's copy of a table too: diff and
  // --partition name areas by it.
  try {
    const bool md5 = t.md5_present;
    t = parse_partition_table(serialize_partition_table(t.entries, md5), t.table_offset);
    t.md5_present = md5;
  } catch (const Error& e) {
    fail("partition_table", fmt::format("is not a valid table ({})", e.what()));
  }
  return t;
}

}  // namespace

std::string manifest_path(const std::string& backup_path) { return backup_path + std::string(kManifestSuffix); }

Manifest parse_manifest(std::string_view text) {
  const JsonValue root = parse_json(text);
  Members top(root, "");
  Manifest m;
  // The format and its version first: a file of another kind or version is
  // named as such, not by the first key it lacks.
  if (top.text("format") != kManifestFormat)
    fail("format", fmt::format("is '{}', not '{}'", printable_name(top.text("format")), kManifestFormat));
  const JsonValue& version = top.required("format_version");
  if (!version.is_integer()) fail("format_version", "must be a whole number");
  m.format_version = *version.as_integer();
  if (m.format_version != kManifestFormatVersion)
    fail("format_version", fmt::format("is {}; this espbak reads version {} only", m.format_version,
                                       kManifestFormatVersion));
  m.espbak_version = top.text("espbak_version");
  m.created = top.text("created");
  m.port = top.text("port");

  Members chip(top.required("chip"), "chip");
  m.chip.family = chip.text("family");
  if (m.chip.family.empty()) fail("chip.family", "is empty");
  m.chip.description = chip.text("description");
  m.chip.mac = chip.text("mac");

  Members flash(top.required("flash"), "flash");
  if (auto v = flash.number_or_null("manufacturer", 0xFF)) m.flash.manufacturer = std::uint8_t(*v);
  if (auto v = flash.number_or_null("device", 0xFFFF)) m.flash.device = std::uint16_t(*v);
  if (auto v = flash.number_or_null("size", kU32)) m.flash.size = std::uint32_t(*v);

  m.range = range_of(top.required("range"), "range");

  Members file(top.required("file"), "file");
  m.file.name = file.text("name");
  m.file.size = file.number("size", kU32 + 1);
  m.file.md5 = hex_digest(file, "md5", 32);
  m.file.sha256 = hex_digest(file, "sha256", 64);

  const auto* erased = top.required("erased_ranges").as_array();
  if (!erased) fail("erased_ranges", "must be an array");
  for (std::size_t i = 0; i < erased->size(); ++i)
    m.erased_ranges.push_back(range_of((*erased)[i], fmt::format("erased_ranges[{}]", i)));

  if (const JsonValue* h = top.optional("image_header")) m.image_header = image_header_of(*h);
  if (const JsonValue* t = top.optional("partition_table")) m.partition_table = partition_table_of(*t);
  return m;
}

std::optional<Manifest> read_manifest_beside(const std::string& backup_path) {
  namespace fs = std::filesystem;
  const std::string path = manifest_path(backup_path);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return std::nullopt;
  auto refuse = [&](const std::string& why) {
    return Error(ErrorKind::input, fmt::format("manifest '{}': {}", path, why));
  };
  if (ec) throw refuse(ec.message());
  if (status.type() != fs::file_type::regular) throw refuse("not a regular file");
  // A manifest is a few KB; anything far larger is not one (and is not read
  // into memory whole).
  constexpr std::uintmax_t kMaxManifestBytes = 4 << 20;
  if (fs::file_size(path, ec) > kMaxManifestBytes) throw refuse("larger than 4 MB, not a manifest");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw refuse(std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw refuse("read error");
  try {
    return parse_manifest(text);
  } catch (const Error& e) {
    throw refuse(e.what());
  }
}

}  // namespace espbak::backup
