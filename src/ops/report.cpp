#include "espbak/ops/report.hpp"

#include <cstdio>

namespace espbak {

std::string json_escape(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

JsonObject::Entry& JsonObject::slot(const std::string& key) {
  for (auto& e : entries_)
    if (e.key == key) return e;
  entries_.push_back({key, "null", {}, false});
  return entries_.back();
}

bool JsonObject::has(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.key == key) return true;
  return false;
}

void JsonObject::set(const std::string& key, const std::string& value) {
  auto& e = slot(key);
  e.json = json_escape(value);
  e.is_array = false;
}
void JsonObject::set(const std::string& key, std::int64_t value) {
  auto& e = slot(key);
  e.json = std::to_string(value);
  e.is_array = false;
}
void JsonObject::set(const std::string& key, std::uint64_t value) {
  auto& e = slot(key);
  e.json = std::to_string(value);
  e.is_array = false;
}
void JsonObject::set(const std::string& key, bool value) {
  auto& e = slot(key);
  e.json = value ? "true" : "false";
  e.is_array = false;
}
void JsonObject::set(const std::string& key, const JsonObject& value) {
  auto& e = slot(key);
  e.json = value.dump();
  e.is_array = false;
}
void JsonObject::set_json(const std::string& key, std::string json) {
  auto& e = slot(key);
  e.json = std::move(json);
  e.is_array = false;
}
void JsonObject::set_strings(const std::string& key, const std::vector<std::string>& values) {
  auto& e = slot(key);
  e.is_array = true;
  e.items.clear();
  for (const auto& v : values) e.items.push_back(json_escape(v));
}
void JsonObject::push(const std::string& key, const JsonObject& value) {
  auto& e = slot(key);
  if (!e.is_array) {
    e.is_array = true;
    e.items.clear();
  }
  e.items.push_back(value.dump());
}

std::string JsonObject::dump() const {
  std::string out = "{";
  bool first = true;
  for (const auto& e : entries_) {
    if (!first) out += ",";
    first = false;
    out += json_escape(e.key);
    out += ":";
    if (e.is_array) {
      out += "[";
      for (std::size_t i = 0; i < e.items.size(); ++i) {
        if (i) out += ",";
        out += e.items[i];
      }
      out += "]";
    } else {
      out += e.json;
    }
  }
  return out + "}";
}

}  // namespace espbak
