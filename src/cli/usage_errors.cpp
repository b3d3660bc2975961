#include "usage_errors.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace espbak::cli {

namespace {

std::string upper(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

const OptionSpec* find_named(const std::vector<OptionSpec>& options, std::string_view name) {
  for (const auto& option : options)
    for (const auto& spelling : option.names)
      if (spelling == name) return &option;
  return nullptr;
}

// The commands with an option of this spelling ("--flash-mode" ->
// write_flash, verify_flash, merge_bin ...).
std::vector<std::string> commands_with_option(const ProgramSpec& spec, std::string_view name) {
  std::vector<std::string> found;
  for (const auto& command : spec.commands)
    if (command.refusal.empty() && find_named(command.arguments, name)) found.push_back(command.name);
  return found;
}

std::string joined(const std::vector<std::string>& words, std::string_view last_separator) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? std::string(last_separator) : std::string(", ");
    out += words[i];
  }
  return out;
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

UsageMessage unexpected_arguments(const std::string& listed, const ProgramSpec& spec, const CommandSpec* command) {
  // CLI11 lists them last first (it parses a reversed vector): report the
  // first one given, preferring an option, which is the likelier mistake.
  std::vector<std::string> words = split_words(listed);
  std::string first_option, first_word;
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    if (first_option.empty() && it->size() > 1 && (*it)[0] == '-') first_option = *it;
    if (first_word.empty()) first_word = *it;
  }
  const std::string where = command ? command->name : std::string("espbak");
  const std::string usage = command ? command_usage_line(spec, *command) : std::string();
  if (!first_option.empty()) {
    std::string name = first_option.substr(0, first_option.find('='));
    if (command) {
      std::vector<std::string> owners = commands_with_option(spec, name);
      if (std::find(owners.begin(), owners.end(), command->name) != owners.end())
        return {fmt::format("{} is an option of {}: give it after the command's name ('espbak {} {} ...')", name,
                            command->name, command->name, name),
                ""};
      if (!owners.empty())
        return {fmt::format("{} is an option of {}, not of {}: give it after that command's name", name,
                            joined(owners, " and "), command->name),
                ""};
      return {fmt::format("{} has no option {} (see espbak {} --help)", command->name, name, command->name), ""};
    }
    std::vector<std::string> owners = commands_with_option(spec, name);
    if (!owners.empty())
      return {fmt::format("{} is an option of {}: give it after the command's name ('espbak {} {} ...')", name,
                          joined(owners, " and "), owners.front(), name),
              ""};
    return {fmt::format("unknown option {} (see espbak --help)", name), ""};
  }
  return {fmt::format("{}: unexpected argument '{}'", where, first_word), usage};
}

}  // namespace

std::string shown_positional(const OptionSpec& option) {
  const std::string& name = option.names.front();
  if (name == "addr_filename") return "ADDRESS FILENAME [ADDRESS FILENAME ...]";  // esptool's pairs
  return option.required ? upper(name) : "[" + upper(name) + "]";  // write_mem [MASK], nvs_dump [FILENAME]
}

std::string command_usage_line(const ProgramSpec& spec, const CommandSpec& command) {
  std::string line = fmt::format("usage: {} {}", spec.name, command.name);
  bool has_options = false;
  std::string positionals;
  for (const auto& option : command.arguments) {
    if (option.positional)
      positionals += " " + shown_positional(option);
    else
      has_options = true;
  }
  if (has_options) line += " [options]";
  return line + positionals;
}

UsageMessage plain_usage_message(std::string_view cli11_message, const ProgramSpec& spec,
                                 const CommandSpec* command) {
  const std::string message(cli11_message);
  const std::vector<OptionSpec>* options = command ? &command->arguments : &spec.global_options;
  std::smatch m;
  static const std::regex at_most(R"(^(\S+): At Most (\d+) required but received (\d+)$)");
  static const std::regex at_least(R"(^(\S+): At least (\d+) required but received (\d+)$)");
  static const std::regex value_missing(R"(^(\S+): \d+ required \S+ missing$)");
  static const std::regex not_converted(R"(^Could not convert: (\S+) = (.*)$)");
  static const std::regex required(R"(^(\S+) is required$)");
  static const std::regex not_expected(R"(^The following arguments? (?:was|were) not expected: (.*)$)");
  if (std::regex_match(message, m, at_most)) {
    if (m[2] == "1")
      return {fmt::format("{} was given {} times; give it once", m[1].str(), m[3].str()), ""};
    return {fmt::format("{} takes at most {} values, got {}", m[1].str(), m[2].str(), m[3].str()), ""};
  }
  if (std::regex_match(message, m, at_least))
    return {fmt::format("{} needs at least {} values, got {}", m[1].str(), m[2].str(), m[3].str()), ""};
  if (std::regex_match(message, m, value_missing))
    return {fmt::format("{} needs a value", m[1].str()), ""};
  if (std::regex_match(message, m, not_converted)) {
    const OptionSpec* option = find_named(*options, m[1].str());
    if (!option) option = find_named(spec.global_options, m[1].str());
    const bool whole_number = option && option->kind == ValueKind::integer;
    return {fmt::format("{}: '{}' is not {}", m[1].str(), m[2].str(), whole_number ? "a whole number" : "valid"),
            ""};
  }
  if (std::regex_match(message, m, required)) {
    const OptionSpec* option = find_named(*options, m[1].str());
    if (command && option && option->positional && option->kind == ValueKind::text_list)
      return {fmt::format("{}: no ADDRESS FILENAME pair given", command->name),
              command_usage_line(spec, *command)};
    if (command && option && option->positional)
      return {fmt::format("{}: {} is missing", command->name, shown_positional(*option)),
              command_usage_line(spec, *command)};
    return {fmt::format("{} is required", m[1].str()), ""};
  }
  if (std::regex_match(message, m, not_expected)) return unexpected_arguments(m[1].str(), spec, command);
  return {message, ""};
}

}  // namespace espbak::cli
