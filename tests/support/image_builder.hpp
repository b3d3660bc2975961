#pragma once
// Builds firmware images for tests by the layout of esptool v5.3.1
// bin_image.py: the 8-byte header (magic 0xE9, segment count, flash mode,
// size|frequency, entry), the 16-byte extended header (wp pin, drive
// settings, chip id, revisions, append_digest) unless `extended` is off,
// each segment as (address, length, bytes), zero padding up to the 16-byte
// line whose last byte is the checksum (0xEF xor every segment byte), then
// the SHA-256 of all that when `digest` is on. Header-only: unit and e2e
// tests both use it.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "espbak/util/sha256.hpp"

namespace test_images {

using Bytes = std::vector<std::uint8_t>;

struct Segment {
  std::uint32_t addr;
  Bytes data;
};

struct Spec {
  std::uint8_t flash_mode = 2;         // dio
  std::uint8_t flash_size_freq = 0x20;  // 4MB, 40m (ESP32 codes)
  std::uint32_t entry = 0x40080604;
  bool extended = true;
  std::uint8_t wp_pin = 0xEE;
  std::uint16_t chip_id = 0;  // ESP32
  std::uint16_t min_rev_full = 0, max_rev_full = 99;
  bool digest = true;
  std::vector<Segment> segments;
};

inline void put_u16(Bytes& b, std::uint16_t v) {
  b.push_back(std::uint8_t(v));
  b.push_back(std::uint8_t(v >> 8));
}
inline void put_u32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}

inline Bytes build(const Spec& s) {
  Bytes b = {0xE9, std::uint8_t(s.segments.size()), s.flash_mode, s.flash_size_freq};
  put_u32(b, s.entry);
  if (s.extended) {
    b.push_back(s.wp_pin);
    b.insert(b.end(), {0, 0, 0});
    put_u16(b, s.chip_id);
    b.push_back(std::uint8_t(s.min_rev_full / 100));
    put_u16(b, s.min_rev_full);
    put_u16(b, s.max_rev_full);
    b.insert(b.end(), {0, 0, 0, 0});
    b.push_back(s.digest ? 1 : 0);
  }
  std::uint8_t sum = 0xEF;
  for (const auto& seg : s.segments) {
    put_u32(b, seg.addr);
    put_u32(b, std::uint32_t(seg.data.size()));
    b.insert(b.end(), seg.data.begin(), seg.data.end());
    for (auto x : seg.data) sum ^= x;
  }
  while (b.size() % 16 != 15) b.push_back(0);
  b.push_back(sum);
  if (s.extended && s.digest) {
    auto d = espbak::sha256(b);
    b.insert(b.end(), d.begin(), d.end());
  }
  return b;
}

inline void put_text(Bytes& b, std::size_t at, const std::string& text) {
  std::memcpy(b.data() + at, text.data(), text.size());
}

// esp_app_desc_t (ESP-IDF esp_app_format.h; esptool cmds.py _parse_app_info
// "<II8s32s32s16s16s32s32sHHB3s72s"), 256 bytes, then `extra` zero bytes.
inline Bytes app_description(const std::string& project, const std::string& version, std::size_t extra = 0) {
  Bytes b(256 + extra, 0);
  const std::uint8_t magic[4] = {0x32, 0x54, 0xCD, 0xAB};  // 0xABCD5432
  std::memcpy(b.data(), magic, 4);
  b[4] = 3;  // secure_version
  put_text(b, 16, version);
  put_text(b, 48, project);
  put_text(b, 80, "12:34:56");
  put_text(b, 96, "Jan  2 2026");
  put_text(b, 112, "v5.3.1");
  for (int i = 0; i < 32; ++i) b[144 + i] = std::uint8_t(i);  // app_elf_sha256
  b[176] = 1;                                                  // min_efuse_blk_rev_full = 1 (0.1)
  b[178] = 99;                                                 // max_efuse_blk_rev_full = 99 (0.99)
  b[180] = 16;                                                 // mmu_page_size: 2**16 = 64 KB
  return b;
}

// esp_bootloader_desc_t (esptool cmds.py _parse_bootloader_info "<B3sI32s24s16s"), 80 bytes.
inline Bytes bootloader_description() {
  Bytes b(80, 0);
  b[0] = 0x50;
  b[4] = 1;  // version
  put_text(b, 8, "v5.3.1");
  put_text(b, 40, "Jan  2 2026 12:34:56");
  return b;
}

// An ESP32 application as ESP-IDF lays one out: DROM (starting with the
// app description), DRAM, IRAM, IROM.
inline Spec esp32_app() {
  Spec s;
  s.segments = {{0x3F400020, app_description("hello_world", "v1.0", 0x10)},
                {0x3FFB0000, Bytes(0x20, 0x11)},
                {0x40080000, Bytes(0x40, 0x22)},
                {0x400D0020, Bytes(0x100, 0x33)}};
  return s;
}

}  // namespace test_images
