#include "espbak/ops/flash_setup.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "espbak/ops/image.hpp"
#include "espbak/ops/interruption.hpp"
#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

std::optional<std::uint32_t> size_of_name(std::string name) {
  // "2MB-c1" / "4MB-c1" are ESP8266 layouts of 2 / 4 MB chips.
  if (auto dash = name.find('-'); dash != std::string::npos) name.resize(dash);
  return parse_flash_size_name(name);
}

FlashSizeChoice set_flash_parameters(Session& s, const std::string& requested) {
  FlashSizeChoice choice;
  Reporter& r = s.report();
  auto detected = s.detected_flash_size();
  std::optional<std::uint32_t> set_size;
  if (requested == "detect") {
    std::string name;
    if (detected) {
      name = flash_size_name(*detected);
      r.info("Auto-detected flash size: " + name);
    } else {
      r.warning("Could not auto-detect flash size, defaulting to 4MB.");
      name = "4MB";
    }
    choice.header_size = name;
    set_size = size_of_name(name);
  } else if (requested == "keep") {
    if (!s.stub()) r.info("Note: In case of failure, please set a specific flash size.");
  } else {
    choice.header_size = requested;
    set_size = size_of_name(requested);
  }
  if (auto params = set_size ? set_size : detected) s.configure_flash_size(*params);
  if (set_size && detected && *set_size > *detected)
    r.warning(fmt::format("Set flash_size {} is larger than the available flash size of {}.", requested,
                          flash_size_name(*detected)));
  choice.flash_end = detected;
  if (set_size) choice.flash_end = detected ? std::min(*set_size, *detected) : *set_size;
  return choice;
}

Progress progress_for(Reporter& r, const char* what, std::uint64_t base, std::uint64_t total) {
  // Each packet of a long transfer is also where a deferred signal is
  // noticed (espbak/ops/interruption.hpp).
  return [&r, what, base, total](std::uint64_t done, std::uint64_t) {
    check_interrupted();
    r.progress(what, base + done, total);
  };
}

std::string rate_text(std::uint64_t bytes, double seconds) {
  if (seconds <= 0.0) return "";
  return fmt::format(" ({:.1f} kbit/s)", double(bytes) / seconds * 8 / 1000);
}

// Input files are checked before anything is sent (docs/errors.md): a
// directory or an empty file is refused with one line. esptool skips an
// empty file with a warning; espbak refuses it, since a restore that writes
// nothing is almost certainly the wrong file.
void check_input_files(const std::vector<std::pair<std::uint32_t, std::string>>& pairs) {
  namespace fs = std::filesystem;
  for (const auto& [address, file] : pairs) {
    std::error_code ec;
    auto status = fs::status(file, ec);
    if (ec || !fs::exists(status)) continue;  // load_regions names the open error (missing, permission)
    if (fs::is_directory(status))
      throw Error(ErrorKind::input, fmt::format("cannot read '{}': it is a directory", file));
    if (fs::is_regular_file(status) && fs::file_size(file, ec) == 0 && !ec)
      throw Error(ErrorKind::input, fmt::format("'{}' is empty: nothing to write at {:#x}", file, address));
  }
}


}  // namespace espbak
