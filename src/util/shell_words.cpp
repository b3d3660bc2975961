#include "espbak/util/shell_words.hpp"

namespace espbak {

std::optional<std::vector<std::string>> split_shell_words(std::string_view line, std::string* error) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  enum class Quote { none, single, dbl } quote = Quote::none;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote == Quote::single) {
      if (c == '\'') quote = Quote::none;
      else word += c;
      continue;
    }
    if (quote == Quote::dbl) {
      if (c == '"') {
        quote = Quote::none;
      } else if (c == '\\' && i + 1 < line.size() &&
                 (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' || line[i + 1] == '`')) {
        word += line[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\'') {
      quote = Quote::single;
    } else if (c == '"') {
      quote = Quote::dbl;
    } else if (c == '\\') {
      if (i + 1 == line.size()) {
        *error = "a backslash ends the line";
        return std::nullopt;
      }
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (quote != Quote::none) {
    *error = quote == Quote::single ? "no closing ' quote" : "no closing \" quote";
    return std::nullopt;
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace espbak
