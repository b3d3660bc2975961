#include <catch2/catch.hpp>

#include "espbak/chips/chip.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/util/md5.hpp"
#include "espbak/util/numbers.hpp"

using namespace espbak;

TEST_CASE("checksum is XOR seeded with 0xEF") {
  std::vector<std::uint8_t> d{0x01, 0x02, 0x04};
  REQUIRE(checksum(d) == (0xEF ^ 0x01 ^ 0x02 ^ 0x04));
  REQUIRE(checksum({}) == 0xEF);
}

TEST_CASE("command encoding has direction, opcode, length, checksum") {
  auto pkt = encode_command(Op::read_reg, words({0x40001000}));
  REQUIRE(pkt == Bytes{0x00, 0x0A, 0x04, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x40});
  auto cmd = decode_command(pkt);
  REQUIRE(cmd);
  REQUIRE(cmd->op == 0x0A);
  REQUIRE(get_u32(cmd->data, 0) == 0x40001000);
}

TEST_CASE("decode_command rejects malformed packets with a reason") {
  CommandParseError why{};
  REQUIRE_FALSE(decode_command(Bytes{0x00, 0x08, 0x00}, &why));
  REQUIRE(why == CommandParseError::too_short);
  REQUIRE_FALSE(decode_command(Bytes{0x01, 0x08, 0, 0, 0, 0, 0, 0}, &why));
  REQUIRE(why == CommandParseError::bad_direction);
  REQUIRE_FALSE(decode_command(Bytes{0x00, 0x08, 5, 0, 0, 0, 0, 0, 1}, &why));
  REQUIRE(why == CommandParseError::bad_length);
}

TEST_CASE("response status is the pair right after the result bytes") {
  Response ok{0x13, 0, Bytes(16, 0xAA)};
  ok.data.push_back(0);
  ok.data.push_back(0);
  REQUIRE(response_status(ok, 16).ok());
  Response rom_fail{0x0B, 0, Bytes{0x01, 0x05, 0x00, 0x00}};
  auto st = response_status(rom_fail);
  REQUIRE_FALSE(st.ok());
  REQUIRE(st.unsupported());
  Response stub_fail{0x03, 0, Bytes{0xC1, 0x00}};
  REQUIRE(response_status(stub_fail).s0 == 0xC1);
  Response short_resp{0x13, 0, Bytes{0x00, 0x00}};
  REQUIRE_FALSE(response_status(short_resp, 16).ok());
}

TEST_CASE("MD5 matches RFC 1321 test vectors, fed in pieces") {
  auto hex = [](std::string_view s) {
    Md5 m;
    for (char c : s) {
      auto b = static_cast<std::uint8_t>(c);
      m.update({&b, 1});
    }
    return to_hex(m.finish());
  };
  REQUIRE(hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  REQUIRE(hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  REQUIRE(hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
          "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("numbers parse like esptool's int(x, 0)") {
  REQUIRE(parse_u32("0x1000") == 0x1000u);
  REQUIRE(parse_u32("4096") == 4096u);
  REQUIRE(parse_u32("0b101") == 5u);
  REQUIRE(parse_u32("0o17") == 15u);
  REQUIRE(parse_u32("0xFFFFFFFF") == 0xFFFFFFFFu);
  REQUIRE_FALSE(parse_u32("0x100000000"));
  REQUIRE_FALSE(parse_u32("-1"));
  REQUIRE_FALSE(parse_u32(""));
  REQUIRE_FALSE(parse_u32("12abc"));
  REQUIRE_FALSE(parse_u32("010"));
  REQUIRE(parse_size("4k") == 4096u);
  REQUIRE(parse_size("4M") == 4u * 1024 * 1024);
  REQUIRE_FALSE(parse_size("8192M"));
  // The flash-size spellings as sizes too.
  REQUIRE(parse_size("4MB") == 4u << 20);
  REQUIRE(parse_size("512KB") == 512u << 10);
  REQUIRE(parse_size("0x10kb") == 16u << 10);
  REQUIRE(parse_size("0xAB") == 0xABu);  // a hex digit B is not a unit
  REQUIRE_FALSE(parse_size("4B"));
  REQUIRE_FALSE(parse_size("MB"));
  REQUIRE_FALSE(parse_size("4MBB"));
  REQUIRE(parse_flash_size_name("4MB") == 4u << 20);
  REQUIRE(parse_flash_size_name("512KB") == 512u << 10);
  REQUIRE_FALSE(parse_flash_size_name("4XB"));
}

TEST_CASE("flash size from RDID capacity byte and back") {
  REQUIRE(flash_size_from_id(0x1640EF) == 4u << 20);
  REQUIRE(flash_size_from_id(0x1840C8) == 16u << 20);
  REQUIRE_FALSE(flash_size_from_id(0xFF40EF));
  REQUIRE(capacity_code_for_size(4u << 20) == 0x16);
  REQUIRE(capacity_code_for_size(1u << 20) == 0x14);
}

TEST_CASE("ESP8266 ROM erase size workaround matches esptool's arithmetic") {
  // Inside one 64 KB block: half the sectors (rounded up).
  REQUIRE(esp8266_rom_erase_size(0, 0x1000) == 0x1000);
  REQUIRE(esp8266_rom_erase_size(0, 0x3000) == 0x2000);
  // Crossing a block boundary: everything but the head sectors.
  REQUIRE(esp8266_rom_erase_size(0x0, 0x40000) == 0x30000);
  REQUIRE(esp8266_rom_erase_size(0xF000, 0x3000) == 0x2000);
}

TEST_CASE("chip rows decode MACs the way esptool does") {
  const auto& esp32 = chip(ChipId::esp32);
  auto rd32 = [](std::uint32_t addr) -> std::uint32_t {
    if (addr == 0x3FF5A004) return 0xC4A1B2C3;
    if (addr == 0x3FF5A008) return 0x1234240A;
    return 0;
  };
  REQUIRE(format_mac(*esp32.mac(rd32)) == "24:0a:c4:a1:b2:c3");
  const auto& esp8266 = chip(ChipId::esp8266);
  auto rd8266 = [](std::uint32_t addr) -> std::uint32_t {
    if (addr == 0x3FF00050) return 0x56000000;
    if (addr == 0x3FF00054) return 0x00003412;
    return 0;
  };
  REQUIRE(format_mac(*esp8266.mac(rd8266)) == "18:fe:34:34:12:56");
  REQUIRE(esp8266.describe(rd8266) == "ESP8266EX");
  REQUIRE(find_chip("esp32") == &esp32);
  REQUIRE(chip_by_magic(0xFFF0C101) == &esp8266);
  REQUIRE(parse_mac("24:0A:c4:a1:b2:c3"));
  REQUIRE_FALSE(parse_mac("24:0A:c4:a1:b2"));
}
