#pragma once
// The values one command line gave to one command (or to the global
// options), looked up by option key (option_key(): "flash-mode",
// "address"). Absent options hold their OptionSpec::default_value.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "option_spec.hpp"

namespace espbak::cli {

class ParsedArgs {
 public:
  // Storage for one option; the parser writes into it, so its address must
  // stay put (std::map nodes do).
  struct Value {
    ValueKind kind = ValueKind::text;
    std::string text;
    std::vector<std::string> list;  // text_list; a repeatable text option's every value
    bool flag = false;
    int integer = 0;
    // How often the option was given; set by the parser that fills it.
    std::function<std::size_t()> count;
  };

  // A slot for `option` holding its default; throws std::logic_error when
  // the key is already taken (two options of one command with one key).
  Value& add(const OptionSpec& option);

  const std::string& text(std::string_view key) const;
  const std::vector<std::string>& list(std::string_view key) const;
  // Every value of a repeatable text option (OptionSpec::repeatable), in
  // the order given; text() is the last. Empty when not given.
  const std::vector<std::string>& every(std::string_view key) const;
  bool flag(std::string_view key) const;
  int integer(std::string_view key) const;
  // Given on the command line at least once (not merely defaulted).
  bool given(std::string_view key) const;

  // A copy's values changed after parsing: each board of a many-board run
  // gets the command's arguments with its own file names filled in
  // (docs/cli.md "Many boards"). given() stays as parsed.
  void replace_text(std::string_view key, std::string text);
  void replace_list(std::string_view key, std::vector<std::string> list);

 private:
  // Unknown keys and kinds are programming errors: std::logic_error.
  const Value& at(std::string_view key, ValueKind kind) const;
  std::map<std::string, Value, std::less<>> values_;
};

}  // namespace espbak::cli
