#pragma once
// Splitting a line into words as a POSIX shell (and Python's shlex.split,
// which esptool uses for its @file arguments) does: blanks separate words;
// 'single quotes' keep everything literally; "double quotes" keep
// everything but let a backslash escape " and \ (and $, `); outside quotes
// a backslash makes the next character literal.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace espbak {

// nullopt (and *error says why) for an unclosed quote or a trailing
// backslash, as shlex.split raises ValueError for them.
std::optional<std::vector<std::string>> split_shell_words(std::string_view line, std::string* error);

}  // namespace espbak
