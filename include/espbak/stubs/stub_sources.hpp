#pragma once
// The flasher stub images as embedded at build time (cmake/stubs.cmake
// generates the table from esptool-js's stub_flasher/*.json): data only,
// shared by the host loader, which uploads them (loader/stub_images.hpp),
// and espsim, which tells which image was uploaded by its entry point.
#include <cstddef>
#include <cstdint>

namespace espbak {

// One stub JSON file as embedded: addresses plus base64 segments.
struct StubImageSource {
  const char* name;  // file stem, e.g. "esp8266", "esp32"
  std::uint32_t text_start;
  std::uint32_t entry;
  std::uint32_t data_start;
  std::uint32_t bss_start;
  const char* text_b64;
  const char* data_b64;
};

extern const char* const kStubRelease;
extern const StubImageSource kStubImageSources[];
extern const std::size_t kStubImageSourceCount;

}  // namespace espbak
