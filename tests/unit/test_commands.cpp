// The typed command codecs (protocol/commands.hpp): exact request bytes
// (checked by hand against esptool loader.py's struct.pack layouts), the
// lengths each decoder refuses, esptool's timeout rules, and the reply and
// status forms of the ROM and the stub.
#include <catch2/catch.hpp>

#include "espbak/protocol/commands.hpp"

using namespace espbak;
using namespace espbak::cmd;
using std::chrono::milliseconds;

namespace {

// Payloads of every length up to `max` except the accepted ones.
template <class R>
void refuses_lengths_other_than(std::initializer_list<std::size_t> accepted, std::size_t max = 40) {
  for (std::size_t n = 0; n <= max; ++n) {
    bool ok = std::find(accepted.begin(), accepted.end(), n) != accepted.end();
    INFO("length " << n);
    CHECK(R::decode(Bytes(n, 0x5A)).has_value() == ok);
  }
}

}  // namespace

TEST_CASE("requests encode to esptool's struct.pack layouts", "[commands]") {
  // sync(): b"\x07\x07\x12\x20" + 32 * b"\x55"
  Bytes sync{0x07, 0x07, 0x12, 0x20};
  sync.insert(sync.end(), 32, 0x55);
  CHECK(Sync{}.encode() == sync);

  // flash_begin: struct.pack("<IIII", erase_size, num_blocks, FLASH_WRITE_SIZE, offset)
  // [+ struct.pack("<I", 0)] for stubs and ROMs after the ESP32.
  FlashBegin begin{0x3000, 3, 0x400, 0x10000};
  CHECK(begin.encode() == Bytes{0x00, 0x30, 0, 0, 0x03, 0, 0, 0, 0x00, 0x04, 0, 0, 0x00, 0x00, 0x01, 0x00});
  begin.encrypted = 0;
  CHECK(begin.encode().size() == 20);
  CHECK(encode_request(begin) ==
        encode_command(Op::flash_begin, Bytes{0x00, 0x30, 0, 0, 0x03, 0, 0, 0, 0x00, 0x04, 0, 0, 0x00, 0x00, 0x01,
                                              0x00, 0, 0, 0, 0}));

  // flash_spi_attach: struct.pack("<I", 0) + struct.pack("BBBB", 0, 0, 0, 0) to a ROM.
  CHECK(SpiAttach{.pins = 0, .is_legacy = 0}.encode() == Bytes(8, 0));
  CHECK(SpiAttach{.pins = 0}.encode() == Bytes(4, 0));

  // flash_set_parameters: struct.pack("<IIIIII", 0, size, 64K, 4K, 256, 0xFFFF)
  CHECK(SpiSetParams{.total_size = 0x400000}.encode() == words({0, 0x400000, 0x10000, 0x1000, 0x100, 0xFFFF}));
  // change_baud: struct.pack("<II", baud, second_arg)
  CHECK(ChangeBaudrate{921600, 115200}.encode() == Bytes{0x00, 0x10, 0x0E, 0x00, 0x00, 0xC2, 0x01, 0x00});
  // mem_finish(entry): struct.pack("<II", int(entrypoint == 0), entrypoint)
  CHECK(MemEnd{0, 0x4010E000}.encode() == Bytes{0, 0, 0, 0, 0x00, 0xE0, 0x10, 0x40});
  // read_flash: struct.pack("<IIII", offset, length, FLASH_SECTOR_SIZE, 64)
  CHECK(ReadFlash{.offset = 0x1000, .length = 0x2000}.encode() == words({0x1000, 0x2000, 0x1000, 64}));
  // flash_md5sum: struct.pack("<IIII", addr, size, 0, 0)
  CHECK(SpiFlashMd5{0x10000, 0x8000}.encode() == words({0x10000, 0x8000, 0, 0}));
  CHECK(ReadFlashSlow{0x40, 64}.encode() == words({0x40, 64}));
  CHECK(EraseRegion{0x1000, 0x2000}.encode() == words({0x1000, 0x2000}));
  CHECK(MemBegin{0x100, 1, 0x1800, 0x40100000}.encode() == words({0x100, 1, 0x1800, 0x40100000}));
  CHECK(ReadReg{0x40001000}.encode() == Bytes{0x00, 0x10, 0x00, 0x40});
  CHECK(WriteReg{{{0x3FF42000, 0x12345678, 0xFFFFFFFF, 7}}}.encode() ==
        words({0x3FF42000, 0x12345678, 0xFFFFFFFF, 7}));
  CHECK(FlashEnd{FlashEnd::kRunUserCode}.encode() == words({1}));
  CHECK(FlashDeflEnd{}.encode() == words({0}));
  CHECK(GetSecurityInfo{}.encode().empty());
  CHECK(EraseFlash{}.encode().empty());
  CHECK(RunUserCode{}.encode().empty());
}

TEST_CASE("*_DATA blocks carry their checksum in the frame header", "[commands]") {
  // flash_block: struct.pack("<IIII", len(data), seq, 0, 0) + data, chk = checksum(data)
  const Bytes data{0x01, 0x02, 0x04};
  auto block = FlashData::of(5, data);
  CHECK(block.length == 3);
  CHECK(block.checksum == (0xEF ^ 0x01 ^ 0x02 ^ 0x04));
  Bytes frame{0x00, 0x03, 19, 0x00, 0xE8, 0x00, 0x00, 0x00, 3, 0, 0, 0, 5, 0, 0, 0};
  frame.insert(frame.end(), 8, 0);
  frame.insert(frame.end(), data.begin(), data.end());
  CHECK(encode_request(block) == frame);

  auto cmd = decode_command(frame);
  REQUIRE(cmd);
  auto back = decode_request<FlashData>(*cmd);
  REQUIRE(back);
  CHECK(*back == block);
  CHECK(back->checksum_matches());
  CHECK_FALSE(decode_request<MemData>(*cmd));  // another opcode

  // A wrong length field or checksum is kept for the device to judge.
  Bytes odd = words({99, 0, 0, 0});
  odd.push_back(0x42);
  auto kept = FlashDeflData::decode(odd, 0x1234);
  REQUIRE(kept);
  CHECK(kept->length == 99);
  CHECK_FALSE(kept->length_matches());
  CHECK(kept->checksum == 0x1234);
  CHECK_FALSE(kept->checksum_matches());
  CHECK_FALSE(MemData::decode(Bytes(15, 0), 0));
  CHECK(MemData::decode(Bytes(16, 0), 0xEF)->data.empty());
}

TEST_CASE("decoders refuse the lengths the ROM and stub refuse", "[commands]") {
  refuses_lengths_other_than<Sync>({36});
  refuses_lengths_other_than<ReadReg>({4});
  refuses_lengths_other_than<WriteReg>({16, 32}, 47);
  refuses_lengths_other_than<MemBegin>({16});
  refuses_lengths_other_than<MemEnd>({8});
  refuses_lengths_other_than<FlashBegin>({16, 20});
  refuses_lengths_other_than<FlashDeflBegin>({16, 20});
  refuses_lengths_other_than<FlashEnd>({4});
  refuses_lengths_other_than<FlashDeflEnd>({4});
  refuses_lengths_other_than<SpiAttach>({4, 8});
  refuses_lengths_other_than<SpiSetParams>({24});
  refuses_lengths_other_than<ChangeBaudrate>({8});
  refuses_lengths_other_than<SpiFlashMd5>({16});
  refuses_lengths_other_than<GetSecurityInfo>({0});
  refuses_lengths_other_than<ReadFlashSlow>({8});
  refuses_lengths_other_than<ReadFlash>({16});
  refuses_lengths_other_than<EraseRegion>({8});
  refuses_lengths_other_than<ReadFlashAck>({4});
  refuses_lengths_other_than<ReadFlashDigest>({16});
  refuses_lengths_other_than<SecurityInfo>({12, 20});
  refuses_lengths_other_than<ReadFlashSlowResult>({64}, 80);
  // The stub does not check these lengths.
  CHECK(EraseFlash::decode(Bytes(3, 0)));
  CHECK(RunUserCode::decode(Bytes(9, 0)));

  auto attach = SpiAttach::decode(Bytes{1, 0, 0, 0, 1, 0, 0, 0});
  REQUIRE(attach);
  CHECK(attach->pins == 1);
  CHECK(attach->is_legacy == std::optional<std::uint8_t>(1));
  CHECK_FALSE(SpiAttach::decode(Bytes(4, 0))->is_legacy);
  CHECK(FlashBegin::decode(words({1, 2, 3, 4, 1}))->encrypted == std::optional<std::uint32_t>(1));
  CHECK(Sync::decode(Bytes(36, 0x11))->lead_word == 0x11111111);
  CHECK_FALSE(StubGreeting::decode(Bytes{'O', 'H', 'A'}));
  CHECK(StubGreeting::decode(Bytes{'O', 'H', 'A', 'I'}));
}

TEST_CASE("timeout rules follow esptool's defaults (MB = 1e6 bytes, 3 s floor)", "[commands][timeouts]") {
  const Timeouts t;  // esptool v5.3.1 loader.py's constants
  CHECK(t.standard == milliseconds(3000));
  CHECK(t.max == milliseconds(240000));
  CHECK(t.serial_write == milliseconds(10000));
  CHECK(Sync{}.timeout(t, LoaderKind::rom) == milliseconds(100));
  CHECK(Sync::later_replies_timeout(t) == milliseconds(3000));
  CHECK(MemEnd{}.timeout(t, LoaderKind::rom) == milliseconds(200));
  CHECK(MemEnd{}.timeout(t, LoaderKind::stub) == milliseconds(3000));
  CHECK(EraseFlash{}.timeout(t, LoaderKind::stub) == milliseconds(120000));
  CHECK(ReadReg{}.timeout(t, LoaderKind::rom) == milliseconds(3000));
  CHECK(ReadFlash::frame_timeout(t) == milliseconds(3000));
  CHECK(StubGreeting::timeout(t) == milliseconds(3000));

  // FLASH_BEGIN: the ROM erases first, 30 s/MB; the stub answers at once.
  CHECK(FlashBegin{.erase_size = 1'000'000}.timeout(t, LoaderKind::rom) == milliseconds(30000));
  CHECK(FlashBegin{.erase_size = 4u << 20}.timeout(t, LoaderKind::rom) == milliseconds(125829));
  CHECK(FlashBegin{.erase_size = 4u << 20}.timeout(t, LoaderKind::stub) == milliseconds(3000));
  CHECK(FlashBegin{.erase_size = 0x1000}.timeout(t, LoaderKind::rom) == milliseconds(3000));
  CHECK(FlashBegin::erase_timeout(t, LoaderKind::rom, 2'000'000) == milliseconds(60000));
  CHECK(FlashDeflBegin{.size = 2'000'000}.timeout(t, LoaderKind::rom) == milliseconds(60000));
  CHECK(FlashDeflBegin{.size = 2'000'000}.timeout(t, LoaderKind::stub) == milliseconds(3000));

  // MD5 8 s/MB, ERASE_REGION 30 s/MB, data blocks 40 s/MB of what they write.
  CHECK(SpiFlashMd5{0, 4u << 20}.timeout(t, LoaderKind::stub) == milliseconds(33554));
  CHECK(SpiFlashMd5{0, 0x10000}.timeout(t, LoaderKind::stub) == milliseconds(3000));
  CHECK(EraseRegion{0, 1'000'000}.timeout(t, LoaderKind::stub) == milliseconds(30000));
  CHECK(FlashData::of(0, Bytes(0x4000, 0xFF)).timeout(t, LoaderKind::stub) == milliseconds(3000));
  CHECK(FlashData::of(0, Bytes(200'000, 0xFF)).timeout(t, LoaderKind::rom) == milliseconds(8000));
  CHECK(FlashDeflData::timeout(t, 1'000'000) == milliseconds(40000));
  CHECK(t.per_mb(40, 0) == milliseconds(3000));
  CHECK(t.capped(milliseconds(500000)) == milliseconds(240000));
}

TEST_CASE("timeout rules scale with the Timeouts they are given (esptool's config file keys)",
          "[commands][timeouts]") {
  Timeouts t;
  t.standard = milliseconds(500);  // timeout
  t.sync = milliseconds(20);       // sync_timeout
  t.chip_erase = milliseconds(7000);
  t.mem_end_rom = milliseconds(50);
  t.md5_seconds_per_mb = 1;
  t.erase_region_seconds_per_mb = 2;
  t.erase_write_seconds_per_mb = 4;
  t.max = milliseconds(9000);
  CHECK(Sync{}.timeout(t, LoaderKind::rom) == milliseconds(20));
  CHECK(Sync::later_replies_timeout(t) == milliseconds(500));
  CHECK(ReadReg{}.timeout(t, LoaderKind::stub) == milliseconds(500));
  CHECK(ChangeBaudrate{}.timeout(t, LoaderKind::rom) == milliseconds(500));
  CHECK(ReadFlash::frame_timeout(t) == milliseconds(500));
  CHECK(MemEnd{}.timeout(t, LoaderKind::rom) == milliseconds(50));
  CHECK(MemEnd{}.timeout(t, LoaderKind::stub) == milliseconds(500));
  CHECK(EraseFlash{}.timeout(t, LoaderKind::stub) == milliseconds(7000));
  // The per-MB rules take the configured rate, and `timeout` as their floor.
  CHECK(SpiFlashMd5{0, 3'000'000}.timeout(t, LoaderKind::rom) == milliseconds(3000));
  CHECK(SpiFlashMd5{0, 100'000}.timeout(t, LoaderKind::rom) == milliseconds(500));
  CHECK(EraseRegion{0, 3'000'000}.timeout(t, LoaderKind::stub) == milliseconds(6000));
  CHECK(FlashBegin{.erase_size = 3'000'000}.timeout(t, LoaderKind::rom) == milliseconds(6000));
  CHECK(FlashBegin{.erase_size = 3'000'000}.timeout(t, LoaderKind::stub) == milliseconds(500));
  CHECK(FlashData::of(0, Bytes(500'000, 0xFF)).timeout(t, LoaderKind::rom) == milliseconds(2000));
  CHECK(FlashDeflData::timeout(t, 1'000'000) == milliseconds(4000));
  CHECK(t.capped(milliseconds(20000)) == milliseconds(9000));
}

TEST_CASE("results decode in their ROM and stub forms", "[commands]") {
  Md5::Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = std::uint8_t(0xA0 + i);
  FlashMd5Result md5{d};
  Bytes rom = md5.encode(LoaderKind::rom);
  CHECK(std::string(rom.begin(), rom.end()) == to_hex(d));
  CHECK(md5.encode(LoaderKind::stub) == Bytes(d.begin(), d.end()));
  Bytes upper(rom);
  for (auto& c : upper) c = std::uint8_t(std::toupper(c));
  CHECK(FlashMd5Result::decode(upper, LoaderKind::rom) == md5);
  CHECK(FlashMd5Result::decode(Bytes(d.begin(), d.end()), LoaderKind::stub) == md5);
  CHECK_FALSE(FlashMd5Result::decode(Bytes(32, 'g'), LoaderKind::rom));
  CHECK_FALSE(FlashMd5Result::decode(Bytes(16, 0), LoaderKind::rom));
  CHECK(FlashMd5Result::size(LoaderKind::rom) == 32);
  CHECK(FlashMd5Result::size(LoaderKind::stub) == 16);

  SecurityInfo s3{.flags = 4, .flash_crypt_cnt = 1, .key_purposes = {1, 2, 3, 4, 5, 6, 7}, .chip_id = 9,
                  .api_version = 0};
  Bytes twenty = s3.encode();
  CHECK(twenty == Bytes{4, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 9, 0, 0, 0, 0, 0, 0, 0});
  CHECK(SecurityInfo::decode(twenty) == s3);
  SecurityInfo s2{.flags = 1};
  CHECK(s2.encode().size() == 12);
  CHECK(SecurityInfo::decode(s2.encode()) == s2);

  CHECK(ReadFlashAck{0x2000}.encode() == Bytes{0x00, 0x20, 0x00, 0x00});
  CHECK(ReadFlashAck::decode(Bytes{0x00, 0x20, 0x00, 0x00})->bytes_received == 0x2000);
  CHECK(ReadFlashDigest::decode(Bytes(d.begin(), d.end()))->digest == d);
  ReadFlash read{.offset = 0, .length = 10000};
  CHECK(read.packet_length(0) == 0x1000);
  CHECK(read.packet_length(8192) == 10000 - 8192);
  CHECK(read.packet_length(10000) == 0);
}

TEST_CASE("status bytes in the ROM's and the stub's forms", "[commands][replies]") {
  CHECK(RomStatus{}.encode(4) == Bytes{0, 0, 0, 0});
  CHECK(RomStatus::from_code(rom_error::invalid_message).encode(4) == Bytes{1, 5, 0, 0});
  CHECK(RomStatus::from_code(rom_error::invalid_message).encode(2) == Bytes{1, 5});
  CHECK(RomStatus::decode(Bytes{1, 7, 0, 0}, 4) == RomStatus{true, 7});
  CHECK_FALSE(RomStatus::decode(Bytes{1, 7}, 4));
  CHECK_FALSE(RomStatus::decode(Bytes{1}, 1));
  CHECK(StubStatus::from_error(stub_error::bad_data_checksum).encode() == Bytes{0xC1, 0x00});
  CHECK(StubStatus::decode(Bytes{0xC1, 0x00})->code == 0xC100);
  CHECK_FALSE(StubStatus::decode(Bytes{0}));

  RomReply md5{0x13, 0, Bytes(32, '0'), RomStatus{}};
  Bytes frame = md5.encode(2);
  CHECK(frame.size() == 8 + 32 + 2);
  CHECK(RomReply::decode(frame, 2) == md5);
  // esptool's reading of the same frame: the status right after the result.
  auto r = decode_response(frame);
  REQUIRE(r);
  CHECK(response_status(*r, 32).ok());

  StubReply reg{0x0A, 0xDEADBEEF, {}, StubStatus{}};
  CHECK(reg.encode() == Bytes{0x01, 0x0A, 0x02, 0x00, 0xEF, 0xBE, 0xAD, 0xDE, 0x00, 0x00});
  CHECK(StubReply::decode(reg.encode()) == reg);
  CHECK_FALSE(StubReply::decode(Bytes{0x01, 0x0A, 0x01, 0x00, 0, 0, 0, 0, 0}));
  CHECK_FALSE(RomReply::decode(Bytes{0x00, 0x0A, 0x02, 0x00, 0, 0, 0, 0, 0, 0}, 2));
}
