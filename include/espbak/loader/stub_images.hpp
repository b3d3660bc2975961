#pragma once
// The flasher stub images embedded at build time (cmake/stubs.cmake).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// A decoded stub, ready to upload with MEM_BEGIN/MEM_DATA/MEM_END.
struct StubImage {
  std::string name;
  std::uint32_t entry = 0;
  struct Segment {
    std::uint32_t addr;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Segment> segments;  // text first, then data (esptool's order)
};

// Decodes the embedded stub called `name` (the chip row's stub_name).
std::optional<StubImage> find_stub_image(std::string_view name);

}  // namespace espbak
