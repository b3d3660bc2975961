#include "espbak/loader/stub_images.hpp"

#include "espbak/util/base64.hpp"

namespace espbak {

std::optional<StubImage> find_stub_image(std::string_view name) {
  for (std::size_t i = 0; i < kStubImageSourceCount; ++i) {
    const StubImageSource& s = kStubImageSources[i];
    if (name != s.name) continue;
    StubImage img;
    img.name = s.name;
    img.entry = s.entry;
    img.bss_start = s.bss_start;
    auto text = base64_decode(s.text_b64);
    auto data = base64_decode(s.data_b64);
    if (!text || !data) return std::nullopt;
    img.segments.push_back({s.text_start, std::move(*text)});
    if (!data->empty()) img.segments.push_back({s.data_start, std::move(*data)});
    return img;
  }
  return std::nullopt;
}

}  // namespace espbak
