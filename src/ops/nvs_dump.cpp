// nvs_dump (espbak/ops/nvs_dump.hpp): an NVS partition from a file (a
// partition image or a whole-flash backup with a table) or from the chip,
// printed per namespace, or as JSON.
#include "espbak/ops/nvs_dump.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include <fmt/format.h>

#include "espbak/ops/image.hpp"
#include "espbak/ops/partitions.hpp"
#include "espbak/util/base64.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

using backup::NvsItem;
using backup::NvsType;

constexpr std::size_t kShownStringBytes = 120;  // longer strings are cut in the listing (not in JSON)
constexpr std::size_t kShownBlobBytes = 16;
constexpr std::uint32_t kReadChunk = 64 * 1024;

bool is_nvs(const backup::Partition& part) {
  return part.type == backup::kTypeData && part.subtype == backup::kSubtypeDataNvs;
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (b < 0x80) { ++i; continue; }
    if ((b & 0xE0) == 0xC0) { n = 1; cp = b & 0x1F; }
    else if ((b & 0xF0) == 0xE0) { n = 2; cp = b & 0x0F; }
    else if ((b & 0xF8) == 0xF0) { n = 3; cp = b & 0x07; }
    else return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// A string as a C literal: quotes and backslashes escaped, control bytes as
// \n, \t, \r or \xNN; UTF-8 text kept, other bytes above 0x7F as \xNN.
std::string c_literal(std::string_view s) {
  const bool utf8 = valid_utf8(s);
  std::string out = "\"";
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += fmt::format("\\{}", c);
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (b < 0x20 || b == 0x7F || (b >= 0x80 && !utf8)) out += fmt::format("\\x{:02x}", b);
    else out += c;
  }
  return out + "\"";
}

bool is_signed(NvsType type) { return (std::uint8_t(type) & 0xF0) == 0x10; }
bool is_floating(NvsType type) { return type == NvsType::f32 || type == NvsType::f64; }

std::string floating_text(const NvsItem& item) {
  // The shortest text that reads back as the same value of its own width.
  if (item.type == NvsType::f32) return fmt::format("{}", float(item.floating_value()));
  return fmt::format("{}", item.floating_value());
}

std::string shown_value(const NvsItem& item) {
  std::string text;
  if (item.type == NvsType::str) {
    const std::string s = item.text();
    if (s.size() > kShownStringBytes) {
      std::size_t cut = kShownStringBytes;  // not inside a UTF-8 sequence
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
      text = c_literal(s.substr(0, cut)) + fmt::format("... ({} bytes)", item.size);
    } else {
      text = c_literal(s);
    }
  } else if (item.type == NvsType::blob) {
    text = fmt::format("{} bytes", item.size);
    if (!item.data.empty()) {
      text += ":";
      for (std::size_t i = 0; i < std::min(item.data.size(), kShownBlobBytes); ++i)
        text += fmt::format(" {:02x}", item.data[i]);
      if (item.data.size() > kShownBlobBytes) text += " ...";
    }
    if (item.v2_blob) text += fmt::format(" ({} chunk{})", item.chunks, item.chunks == 1 ? "" : "s");
  } else if (is_floating(item.type)) {
    text = floating_text(item);
  } else {
    text = is_signed(item.type) ? fmt::format("{}", item.signed_value()) : fmt::format("{}", item.bits);
  }
  return item.valid ? text : text + "  (damaged: see the warnings)";
}

std::string namespace_title(const backup::NvsNamespace& space) {
  const std::size_t n = space.items.size();
  const std::string keys = fmt::format("{} key{}", n, n == 1 ? "" : "s");
  if (space.name) return fmt::format("Namespace {} (index {}), {}:", c_literal(*space.name), space.index, keys);
  return fmt::format("Namespace #{} (no namespace entry names it), {}:", space.index, keys);
}

std::string summary(const backup::NvsPartition& nvs) {
  std::size_t in_use = 0;
  for (const auto& page : nvs.pages) in_use += page.state != backup::NvsPageState::empty;
  return fmt::format("{} page{} ({} in use), entries: {} written, {} erased, {} empty; {} key{} in {} namespace{}; {} "
                     "problem{}",
                     nvs.pages.size(), nvs.pages.size() == 1 ? "" : "s", in_use, nvs.entries_written,
                     nvs.entries_erased, nvs.entries_empty, nvs.item_count(), nvs.item_count() == 1 ? "" : "s",
                     nvs.namespaces.size(), nvs.namespaces.size() == 1 ? "" : "s", nvs.problems.size(),
                     nvs.problems.size() == 1 ? "" : "s");
}

// A key as the listing shows it: the literal's escapes, without its quotes.
std::string shown_key(const std::string& key) {
  const std::string literal = c_literal(key);
  return literal.substr(1, literal.size() - 2);
}

// Keys and namespace names as JSON text: as stored when UTF-8, else with
// the listing's \xNN escapes (JSON strings must be UTF-8).
std::string json_name(const std::string& name) { return valid_utf8(name) ? name : shown_key(name); }

JsonObject item_json(const NvsItem& item) {
  JsonObject j;
  if (item.ns_name) j.set("namespace", json_name(*item.ns_name));
  j.set("namespace_index", int(item.ns_index));
  j.set("key", json_name(item.key));
  j.set("type", backup::nvs_type_name(std::uint8_t(item.type)));
  if (item.type == NvsType::str) {
    const std::string text = item.text();
    const bool utf8 = valid_utf8(text);
    j.set("encoding", utf8 ? "utf-8" : "base64");
    if (utf8) j.set("value", text);
    else j.set("value", base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  } else if (item.type == NvsType::blob) {
    j.set("encoding", "base64");
    j.set("value", base64_encode(item.data));
  } else if (is_floating(item.type)) {
    const double v = item.floating_value();
    j.set_json("value", std::isfinite(v) ? floating_text(item) : "null");  // JSON has no NaN / infinity
  } else if (is_signed(item.type)) {
    j.set("value", item.signed_value());
  } else {
    j.set("value", item.bits);
  }
  j.set("size", std::uint64_t(item.size));
  if (item.v2_blob) j.set("chunks", std::uint64_t(item.chunks));
  j.set("page", std::uint64_t(item.page));
  j.set("entry", std::uint64_t(item.entry));
  j.set("valid", item.valid);
  return j;
}

// The listing, the problems as warnings, then the summary line.
void report_nvs(Reporter& report, const backup::NvsPartition& nvs) {
  const auto lines = nvs_dump_lines(nvs);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) report.result(lines[i]);
  for (const auto& problem : nvs.problems) report.warning(problem.line());
  report.result(lines.back());
  report.json().set("nvs", nvs_json(nvs));
}


// The partition's bytes parsed; a refusal names where they came from.
backup::NvsPartition parse_from(std::span<const std::uint8_t> bytes, const std::string& where,
                                const backup::Partition* part) {
  try {
    return backup::parse_nvs(bytes);
  } catch (const Error& e) {
    const char* note = part && part->encrypted() ? " (its partition table entry is flagged encrypted)" : "";
    throw Error(e.kind(), fmt::format("{}: {}{}", where, e.what(), note));
  }
}

std::string partition_place(const backup::Partition& part) {
  return fmt::format("partition '{}' at {:#x} ({} bytes)", backup::printable_name(part.name), part.offset, part.size);
}

}  // namespace

void check_nvs_dump_args(const NvsDumpArgs& args) {
  if (args.file.empty() && args.partition.empty())
    throw Error(ErrorKind::usage, "nvs_dump: give FILE (an NVS partition image or a whole-flash backup) or "
                                  "--partition NAME (read from the chip)");
  if (args.table_offset % backup::kPartitionTableSectorSize)
    throw Error(ErrorKind::usage, fmt::format("nvs_dump: --partition-table-offset {:#x} is not a multiple of 0x1000",
                                              args.table_offset));
}

const backup::Partition& choose_nvs_partition(const backup::PartitionTable& table, const std::string& name) {
  if (!name.empty()) {
    const backup::Partition& part = find_partition(table, name);
    if (!is_nvs(part))
      throw Error(ErrorKind::input, fmt::format("partition '{}' is {}/{}, not data/nvs",
                                                backup::printable_name(part.name), backup::partition_type_name(part.type),
                                                backup::partition_subtype_name(part.type, part.subtype)));
    return part;
  }
  std::vector<const backup::Partition*> found;
  std::string names;
  for (const auto& part : table.entries)
    if (is_nvs(part)) {
      found.push_back(&part);
      names += (names.empty() ? "" : ", ") + backup::printable_name(part.name);
    }
  if (found.empty()) {
    for (const auto& part : table.entries) names += (names.empty() ? "" : ", ") + backup::printable_name(part.name);
    throw Error(ErrorKind::input, fmt::format("the partition table at {:#x} has no data/nvs partition (it has: {})",
                                              table.table_offset, names.empty() ? "no entries" : names));
  }
  if (found.size() > 1)
    throw Error(ErrorKind::usage, fmt::format("the partition table at {:#x} has {} NVS partitions ({}); choose one "
                                              "with --partition NAME",
                                              table.table_offset, found.size(), names));
  return *found.front();
}

std::vector<std::string> nvs_dump_lines(const backup::NvsPartition& nvs) {
  std::vector<std::string> lines;
  for (const auto& space : nvs.namespaces) {
    lines.push_back(namespace_title(space));
    std::size_t key_width = 0, type_width = 0;
    for (const auto& item : space.items) {
      key_width = std::max(key_width, shown_key(item.key).size());
      type_width = std::max(type_width, backup::nvs_type_name(std::uint8_t(item.type)).size());
    }
    for (const auto& item : space.items)
      lines.push_back(fmt::format("  {:<{}}  {:<{}}  {}", shown_key(item.key), key_width,
                                  backup::nvs_type_name(std::uint8_t(item.type)), type_width, shown_value(item)));
  }
  lines.push_back(summary(nvs));
  return lines;
}

JsonObject nvs_json(const backup::NvsPartition& nvs) {
  JsonObject j;
  j.set("size", std::uint64_t(nvs.size));
  j.set_strings("namespaces", {});
  for (const auto& space : nvs.namespaces) {
    JsonObject s;
    if (space.name) s.set("name", json_name(*space.name));
    else s.set_json("name", "null");
    s.set("index", int(space.index));
    s.set_strings("entries", {});
    for (const auto& item : space.items) s.push("entries", item_json(item));
    j.push("namespaces", s);
  }
  for (const auto& page : nvs.pages) {
    JsonObject p;
    p.set("number", std::uint64_t(page.number));
    p.set("offset", std::uint64_t(page.number * backup::kNvsPageSize));
    p.set("state", backup::nvs_page_state_name(page.state));
    p.set("state_word", page.state_word);
    if (page.state != backup::NvsPageState::empty) {
      p.set("seq", page.seq);
      p.set("version", page.version());
      p.set("header_crc_ok", page.header_crc_ok);
    }
    p.set("read", page.read);
    p.set("entries_written", std::uint64_t(page.written));
    p.set("entries_erased", std::uint64_t(page.erased));
    p.set("entries_empty", std::uint64_t(page.empty));
    p.set("entries_illegal", std::uint64_t(page.illegal));
    j.push("pages", p);
  }
  j.set_strings("problems", {});
  for (const auto& problem : nvs.problems) {
    JsonObject p;
    if (problem.page) p.set("page", std::uint64_t(*problem.page));
    if (problem.entry) p.set("entry", std::uint64_t(*problem.entry));
    p.set("message", problem.message);
    j.push("problems", p);
  }
  JsonObject s;
  s.set("pages", std::uint64_t(nvs.pages.size()));
  s.set("entries_written", std::uint64_t(nvs.entries_written));
  s.set("entries_erased", std::uint64_t(nvs.entries_erased));
  s.set("entries_empty", std::uint64_t(nvs.entries_empty));
  s.set("entries_illegal", std::uint64_t(nvs.entries_illegal));
  s.set("namespaces", std::uint64_t(nvs.namespaces.size()));
  s.set("keys", std::uint64_t(nvs.item_count()));
  s.set("problems", std::uint64_t(nvs.problems.size()));
  j.set("summary", s);
  return j;
}

void cmd_nvs_dump_file(Reporter& report, const NvsDumpArgs& args) {
  check_nvs_dump_args(args);
  const auto regions = load_regions({{0, args.file}});
  const std::vector<std::uint8_t>& data = regions.front().data;
  const std::span<const std::uint8_t> all(data);
  // An NVS page starts with a state word FF FF FF xx, never with a table
  // entry's AA 50: a table at the offset means a whole-flash backup.
  if (data.size() > args.table_offset && backup::looks_like_partition_table(all.subspan(args.table_offset))) {
    const auto table_bytes = all.subspan(args.table_offset, std::min<std::size_t>(data.size() - args.table_offset,
                                                                                  backup::kPartitionTableMaxLength));
    const backup::PartitionTable table = backup::parse_partition_table(table_bytes, args.table_offset);
    const backup::Partition& part = choose_nvs_partition(table, args.partition);
    if (part.end() > data.size())
      throw Error(ErrorKind::input, fmt::format("'{}' is {} bytes: {} ends past it (a truncated backup?)", args.file,
                                                data.size(), partition_place(part)));
    report.info(fmt::format("'{}': a whole-flash backup; dumping {}", args.file, partition_place(part)));
    const auto nvs = parse_from(all.subspan(part.offset, part.size), fmt::format("'{}' {}", args.file,
                                                                                 partition_place(part)),
                                &part);
    report.json().set("file", args.file);
    report.json().set("partition", partition_json(part));
    report_nvs(report, nvs);
    return;
  }
  if (!args.partition.empty())
    throw Error(ErrorKind::input, fmt::format("--partition {}: '{}' holds no partition table at {:#x} (an NVS "
                                              "partition image needs no --partition; another "
                                              "--partition-table-offset?)",
                                              args.partition, args.file, args.table_offset));
  const auto nvs = parse_from(all, fmt::format("'{}'", args.file), nullptr);
  report.json().set("file", args.file);
  report_nvs(report, nvs);
}

void cmd_nvs_dump_partition(Session& s, const NvsDumpArgs& args) {
  const backup::PartitionTable table = read_partition_table(s, args.table_offset);
  const backup::Partition& part = choose_nvs_partition(table, args.partition);
  if (part.size == 0 || part.size % backup::kNvsPageSize)
    throw Error(ErrorKind::input, fmt::format("{} is not a whole number of 4096-byte NVS pages", partition_place(part)));
  s.report().info(fmt::format("Reading {}...", partition_place(part)));
  std::vector<std::uint8_t> data;
  data.reserve(part.size);
  for (std::uint32_t done = 0; done < part.size;) {
    const std::uint32_t n = std::min(kReadChunk, part.size - done);
    Bytes piece;
    const std::string what =
        fmt::format("reading partition '{}' at {:#x}", backup::printable_name(part.name), part.offset + done);
    s.with_recovery(what, [&] { s.loader().read_flash(part.offset + done, n, piece); });
    data.insert(data.end(), piece.begin(), piece.end());
    done += n;
    s.report().progress("Reading", done, part.size);
  }
  s.report().progress_end();
  const auto nvs = parse_from(data, partition_place(part), &part);
  s.report().json().set("partition", partition_json(part));
  report_nvs(s.report(), nvs);
}

}  // namespace espbak
