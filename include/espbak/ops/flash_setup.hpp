#pragma once
// What the flash commands share before they move data: the flash size they
// work with (--flash_size keep|detect|<size>, as esptool's
// _set_flash_parameters resolves it), input file checks, progress and the
// rate text esptool prints.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "espbak/ops/session.hpp"

namespace espbak {

// Returns the size name to put in image headers ("keep" stays "keep") and
// where writes must end.
struct FlashSizeChoice {
  std::string header_size = "keep";        // what patch_image_header gets
  std::optional<std::uint32_t> flash_end;  // writes must end before this
};
// "4MB", "2MB-c1" (ESP8266 layouts of 2 / 4 MB chips) -> bytes.
std::optional<std::uint32_t> size_of_name(std::string name);
// Detects / sets the flash size on the chip (SPI_SET_PARAMS) and says so.
FlashSizeChoice set_flash_parameters(Session& s, const std::string& requested);

Progress progress_for(Reporter& r, const char* what, std::uint64_t base, std::uint64_t total);

// " (R kbit/s)" for `bytes` in `seconds`, as esptool formats it; "" for no time.
std::string rate_text(std::uint64_t bytes, double seconds);

// A directory or an empty file among ADDRESS FILE pairs is refused with one
// line (docs/errors.md) before anything is sent.
void check_input_files(const std::vector<std::pair<std::uint32_t, std::string>>& pairs);

}  // namespace espbak
