#include "espbak/util/numbers.hpp"

#include <cctype>
#include <string>

namespace espbak {

namespace {

std::optional<std::uint64_t> parse_digits(std::string_view s, unsigned base) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  bool any = false;
  for (char c : s) {
    if (c == '_' && any) continue;  // Python's int() allows 0x_1000 style separators
    unsigned d;
    if (c >= '0' && c <= '9') d = unsigned(c - '0');
    else if (c >= 'a' && c <= 'z') d = unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'Z') d = unsigned(c - 'A' + 10);
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > 0xFFFFFFFFull) return std::nullopt;
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::uint32_t> parse_u32(std::string_view text) {
  std::string_view s = trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0') {
    char p = char(std::tolower(static_cast<unsigned char>(s[1])));
    if (p == 'x') base = 16;
    else if (p == 'o') base = 8;
    else if (p == 'b') base = 2;
    if (base != 10) s.remove_prefix(2);
  }
  // Python rejects decimal literals with leading zeros ("010"); so do we,
  // because a user who typed it probably meant octal or hex.
  if (base == 10 && s.size() > 1 && s[0] == '0') {
    for (char c : s)
      if (c != '0') return std::nullopt;
  }
  auto v = parse_digits(s, base);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}

std::optional<std::uint32_t> parse_size(std::string_view text) {
  std::string_view s = trim(text);
  std::uint64_t mult = 1;
  // esptool v5.3.1 AutoSizeType takes k and M ("64k", "4M"); the flash
  // size spellings "512KB" / "4MB" are accepted too (hex digits never
  // include k or m, so "0x10KB" is not ambiguous).
  if (s.size() > 2 && (s.back() == 'B' || s.back() == 'b')) {
    char unit = s[s.size() - 2];
    if (unit == 'k' || unit == 'K' || unit == 'm' || unit == 'M') s.remove_suffix(1);
  }
  if (!s.empty()) {
    char last = s.back();
    if (last == 'k' || last == 'K') mult = 1024;
    else if (last == 'm' || last == 'M') mult = 1024 * 1024;
    if (mult != 1) s.remove_suffix(1);
  }
  auto v = parse_u32(s);
  if (!v) return std::nullopt;
  std::uint64_t r = std::uint64_t(*v) * mult;
  if (r > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<std::uint32_t>(r);
}

std::optional<std::uint32_t> parse_flash_size_name(std::string_view text) {
  std::string_view s = trim(text);
  std::uint32_t mult;
  if (s.size() > 2 && (s.ends_with("MB") || s.ends_with("mb"))) mult = 1024 * 1024;
  else if (s.size() > 2 && (s.ends_with("KB") || s.ends_with("kb"))) mult = 1024;
  else return std::nullopt;
  s.remove_suffix(2);
  auto v = parse_digits(s, 10);
  if (!v || *v == 0 || *v * mult > 0xFFFFFFFFull + 1) return std::nullopt;
  std::uint64_t bytes = *v * mult;
  if (bytes > 0xFFFFFFFFull) return std::nullopt;
  return static_cast<std::uint32_t>(bytes);
}

std::string flash_size_name(std::uint32_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + "MB";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + "KB";
  return std::to_string(bytes) + "B";
}

}  // namespace espbak
