#include "parsed_args.hpp"

#include <stdexcept>

namespace espbak::cli {

ParsedArgs::Value& ParsedArgs::add(const OptionSpec& option) {
  std::string key = option_key(option);
  auto [it, inserted] = values_.try_emplace(key);
  if (!inserted) throw std::logic_error("option key '" + key + "' declared twice");
  Value& value = it->second;
  value.kind = option.kind;
  if (option.kind == ValueKind::integer && !option.default_value.empty())
    value.integer = std::stoi(option.default_value);
  else
    value.text = option.default_value;
  return value;
}

const ParsedArgs::Value& ParsedArgs::at(std::string_view key, ValueKind kind) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("no option '" + std::string(key) + "' in this command");
  if (it->second.kind != kind)
    throw std::logic_error("option '" + std::string(key) + "' asked for as the wrong kind of value");
  return it->second;
}

const std::string& ParsedArgs::text(std::string_view key) const { return at(key, ValueKind::text).text; }

const std::vector<std::string>& ParsedArgs::list(std::string_view key) const {
  return at(key, ValueKind::text_list).list;
}

const std::vector<std::string>& ParsedArgs::every(std::string_view key) const {
  return at(key, ValueKind::text).list;
}

void ParsedArgs::replace_text(std::string_view key, std::string text) {
  at(key, ValueKind::text);  // the same checks
  values_.find(key)->second.text = std::move(text);
}

void ParsedArgs::replace_list(std::string_view key, std::vector<std::string> list) {
  at(key, ValueKind::text_list);
  values_.find(key)->second.list = std::move(list);
}

bool ParsedArgs::flag(std::string_view key) const { return at(key, ValueKind::flag).flag; }

int ParsedArgs::integer(std::string_view key) const { return at(key, ValueKind::integer).integer; }

bool ParsedArgs::given(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("no option '" + std::string(key) + "' in this command");
  return it->second.count && it->second.count() > 0;
}

}  // namespace espbak::cli
