#pragma once
// The flasher stub images embedded at build time (cmake/stubs.cmake,
// espbak/stubs/stub_sources.hpp), decoded for upload.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/stubs/stub_sources.hpp"

namespace espbak {

// A decoded stub, ready to upload with MEM_BEGIN/MEM_DATA/MEM_END.
struct StubImage {
  std::string name;
  std::uint32_t entry = 0;
  std::uint32_t bss_start = 0;  // 0: none (the stub's DRAM starts at the data segment)
  struct Segment {
    std::uint32_t addr;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<Segment> segments;  // text first, then data (esptool's order)
};

// Decodes the embedded stub called `name` (the chip row's stub_name).
std::optional<StubImage> find_stub_image(std::string_view name);

}  // namespace espbak
