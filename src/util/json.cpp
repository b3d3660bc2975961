// A strict RFC 8259 reader (espbak/util/json.hpp).
#include "espbak/util/json.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "espbak/util/error.hpp"

namespace espbak {

JsonValue JsonValue::boolean(bool b) {
  JsonValue v;
  v.v_ = b;
  return v;
}
JsonValue JsonValue::integer(std::int64_t i) {
  JsonValue v;
  v.v_ = i;
  return v;
}
JsonValue JsonValue::real(double d) {
  JsonValue v;
  v.v_ = d;
  return v;
}
JsonValue JsonValue::string(std::string s) {
  JsonValue v;
  v.v_ = std::move(s);
  return v;
}
JsonValue JsonValue::array(Array items) {
  JsonValue v;
  v.v_ = std::move(items);
  return v;
}
JsonValue JsonValue::object(Object members) {
  JsonValue v;
  v.v_ = std::move(members);
  return v;
}

std::optional<bool> JsonValue::as_bool() const {
  if (auto* b = std::get_if<bool>(&v_)) return *b;
  return std::nullopt;
}
std::optional<std::int64_t> JsonValue::as_integer() const {
  if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  return std::nullopt;
}
std::optional<double> JsonValue::as_number() const {
  if (auto* i = std::get_if<std::int64_t>(&v_)) return double(*i);
  if (auto* d = std::get_if<double>(&v_)) return *d;
  return std::nullopt;
}
const std::string* JsonValue::as_string() const { return std::get_if<std::string>(&v_); }
const JsonValue::Array* JsonValue::as_array() const { return std::get_if<Array>(&v_); }
const JsonValue::Object* JsonValue::as_object() const { return std::get_if<Object>(&v_); }

const JsonValue* JsonValue::find(std::string_view key) const {
  if (auto* members = as_object())
    for (const auto& [name, value] : *members)
      if (name == key) return &value;
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  JsonValue document() {
    skip_space();
    JsonValue v = value(0);
    skip_space();
    if (at_ < text_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw Error(ErrorKind::input, fmt::format("JSON: {} at line {} column {}", what, line, column));
  }

  // A character as an error line can show it: 'x', else its byte value
  // (a newline or control byte would break the one-line message).
  static std::string shown(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7F ? fmt::format("'{}'", c) : fmt::format("byte {:#04x}", u);
  }

  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r'))
      ++at_;
  }

  bool take(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  JsonValue value(int depth) {
    if (depth >= kMaxDepth) fail("nesting deeper than 64");
    if (at_ >= text_.size()) fail("unexpected end of text");
    char c = text_[at_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') return JsonValue::string(string());
    if (take("true")) return JsonValue::boolean(true);
    if (take("false")) return JsonValue::boolean(false);
    if (take("null")) return JsonValue();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    fail(fmt::format("unexpected character {}", shown(c)));
  }

  JsonValue object(int depth) {
    ++at_;  // {
    JsonValue::Object members;
    skip_space();
    if (at_ < text_.size() && text_[at_] == '}') {
      ++at_;
      return JsonValue::object(std::move(members));
    }
    for (;;) {
      skip_space();
      if (at_ >= text_.size() || text_[at_] != '"') fail("expected a member name in quotes");
      std::string name = string();
      skip_space();
      if (at_ >= text_.size() || text_[at_] != ':') fail("expected ':' after a member name");
      ++at_;
      skip_space();
      members.emplace_back(std::move(name), value(depth + 1));
      skip_space();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == '}') {
        ++at_;
        return JsonValue::object(std::move(members));
      }
      fail("expected ',' or '}' in an object");
    }
  }

  JsonValue array(int depth) {
    ++at_;  // [
    JsonValue::Array items;
    skip_space();
    if (at_ < text_.size() && text_[at_] == ']') {
      ++at_;
      return JsonValue::array(std::move(items));
    }
    for (;;) {
      skip_space();
      items.push_back(value(depth + 1));
      skip_space();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == ']') {
        ++at_;
        return JsonValue::array(std::move(items));
      }
      fail("expected ',' or ']' in an array");
    }
  }

  unsigned hex4() {
    if (at_ + 4 > text_.size()) fail("cut-short \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[at_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
      else fail("bad hex digit in a \\u escape");
    }
    return v;
  }

  static void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    } else {
      out += char(0xF0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3F));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  std::string string() {
    ++at_;  // "
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) fail("unterminated string");
      char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) fail("unterminated string");
      char e = text_[at_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
            if (!take("\\u")) fail("unpaired surrogate in a \\u escape");
            unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            fail("unpaired surrogate in a \\u escape");
          }
          put_utf8(out, cp);
          break;
        }
        default: fail(fmt::format("bad escape after '\\': {}", shown(e)));
      }
    }
  }

  JsonValue number() {
    const std::size_t start = at_;
    bool integral = true;
    if (text_[at_] == '-') ++at_;
    auto digits = [&] {
      std::size_t from = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      return at_ - from;
    };
    if (at_ < text_.size() && text_[at_] == '0') {
      ++at_;
    } else if (digits() == 0) {
      fail("bad number");
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      integral = false;
      if (digits() == 0) fail("bad number: no digit after '.'");
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      integral = false;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      if (digits() == 0) fail("bad number: no digit in the exponent");
    }
    std::string_view literal = text_.substr(start, at_ - start);
    if (integral) {
      std::int64_t v = 0;
      auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), v);
      if (ec == std::errc() && end == literal.data() + literal.size()) return JsonValue::integer(v);
    }
    std::string copy(literal);
    errno = 0;
    double d = std::strtod(copy.c_str(), nullptr);
    if (errno == ERANGE) fail("number out of range");
    return JsonValue::real(d);
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

JsonValue parse_json(std::string_view text) { return Reader(text).document(); }

}  // namespace espbak
