// --before / --after names and parsing (include/espbak/link/reset/modes.hpp).
#include "espbak/link/reset/modes.hpp"

#include <array>
#include <cctype>

namespace espbak {

namespace {

constexpr std::array kBeforeResets = {BeforeReset::default_reset, BeforeReset::usb_reset, BeforeReset::no_reset,
                                      BeforeReset::no_reset_no_sync};
constexpr std::array kAfterResets = {AfterReset::hard_reset, AfterReset::soft_reset, AfterReset::no_reset,
                                     AfterReset::no_reset_stub, AfterReset::watchdog_reset};

// Lower case, '-' as '_': "No-Reset" and "no_reset" are the same choice.
std::string normalise_choice(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    c = char(std::tolower(static_cast<unsigned char>(c)));
    if (c == '-') c = '_';
  }
  return out;
}

template <typename Mode, std::size_t N, typename NameOf>
std::string join_names(const std::array<Mode, N>& modes, NameOf name_of, std::string_view separator) {
  std::string out;
  for (Mode m : modes) {
    if (!out.empty()) out += separator;
    out += name_of(m);
  }
  return out;
}

template <typename Mode, std::size_t N, typename NameOf>
std::optional<Mode> find_by_name(const std::array<Mode, N>& modes, NameOf name_of, std::string_view text) {
  std::string wanted = normalise_choice(text);
  for (Mode m : modes)
    if (name_of(m) == wanted) return m;
  return std::nullopt;
}

}  // namespace

std::string_view before_reset_name(BeforeReset mode) {
  switch (mode) {
    case BeforeReset::default_reset: return "default_reset";
    case BeforeReset::usb_reset: return "usb_reset";
    case BeforeReset::no_reset: return "no_reset";
    case BeforeReset::no_reset_no_sync: return "no_reset_no_sync";
  }
  return "?";
}

std::string_view after_reset_name(AfterReset mode) {
  switch (mode) {
    case AfterReset::hard_reset: return "hard_reset";
    case AfterReset::soft_reset: return "soft_reset";
    case AfterReset::no_reset: return "no_reset";
    case AfterReset::no_reset_stub: return "no_reset_stub";
    case AfterReset::watchdog_reset: return "watchdog_reset";
  }
  return "?";
}

std::string before_reset_choices(std::string_view separator) {
  return join_names(kBeforeResets, before_reset_name, separator);
}

std::string after_reset_choices(std::string_view separator) {
  return join_names(kAfterResets, after_reset_name, separator);
}

std::optional<BeforeReset> parse_before(std::string_view text) {
  return find_by_name(kBeforeResets, before_reset_name, text);
}

std::optional<AfterReset> parse_after(std::string_view text) {
  return find_by_name(kAfterResets, after_reset_name, text);
}

}  // namespace espbak
