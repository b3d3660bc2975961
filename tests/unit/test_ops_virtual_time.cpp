// Session and the flash commands on an in-process simulated chip, on virtual
// time (tests/support/sim_transport): the decisions the read survey, the
// write comparison, -b auto and recovery take from timing are asserted
// exactly, and cannot depend on how loaded the machine is. The link is
// espsim's realistic model: UART timing at the chip's baud rate, flash and
// MD5 timings (docs/espsim.md), a latency per direction.
#include <catch2/catch.hpp>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/session.hpp"
#include "virtual_rig.hpp"

using namespace espbak;
using namespace espbak::testing;


TEST_CASE("virtual time: at 1 ms the survey goes by 64 KB blocks and trims erased sector tails", "[ops][virtual]") {
  Rig rig(esp32_link(1u << 20, 1.0));
  // Blocks 0-2 used, block 3 erased, block 4 used in its first 8 KB only, the rest erased.
  const Bytes used = random_bytes(3 * k64K, 1), tail = random_bytes(2 * k4K, 2);
  rig.chip.flash().program(0, used);
  rig.chip.flash().program(4 * k64K, tail);
  const auto out = temp_file("fine.bin");
  Requests got = survey_of(rig, out);

  // A round trip (~2 ms) is below the 5 ms that makes a coarse survey worth
  // asking for, so blocks are hashed whole; a used block's erased tail is
  // looked for sector by sector from its end (16 round trips cost less than
  // half a 64 KB block's 0.71 s of wire time at 921600 baud). Blocks 0 and 1
  // hold nothing skippable: hashing each costs more than 1 % of its wire
  // time, so from block 2 on the survey only probes each 64 KB unit's last
  // sector (SurveyPace). Block 2's is used: read unhashed. Block 3's is
  // erased: the block is hashed whole (erased), and so is block 4, whose tail
  // is trimmed. From there runs of erased blocks are hashed in doubling spans.
  Requests want = {{0, k4K}, {0, k4K}, {0, k64K}, {k64K - k4K, k4K},  // costs, then block 0's last sector
                   {k64K, k64K}, {2 * k64K - k4K, k4K},                  // block 1 and its last sector
                   {3 * k64K - k4K, k4K},                                // sparse: block 2's probe misses
                   {4 * k64K - k4K, k4K}, {3 * k64K, k64K},              // block 3's probe hits: hashed whole
                   {4 * k64K, k64K}};
  for (std::uint32_t s = 15; s >= 1; --s) want.push_back({4 * k64K + s * k4K, k4K});  // erased down to 0x2000, 0x1000 is not
  for (std::uint32_t b = 5; b < 8; ++b) want.push_back({b * k64K, k64K});
  want.push_back({0x80000, 0x40000});  // aligned 256 KB after four erased blocks in a row
  want.push_back({0xC0000, 0x40000});  // 512 KB would be allowed, but 0xC0000 is not aligned to it
  CHECK(got == want);
  // Read: the three used blocks as one request, then block 4's used 8 KB.
  CHECK(rig.chip.read_requests() == Requests{{0, 3 * k64K}, {4 * k64K, 2 * k4K}});

  Bytes expect = rig.chip.flash().read(0, 1u << 20);
  CHECK(read_file(out) == expect);
  CHECK(rig.report.json().dump().find("\"bytes_transferred\":204800") != std::string::npos);  // 3 blocks + 8 KB
}

TEST_CASE("virtual time: --diff-with hashes a changed block by sector and reads only the changed sector",
          "[ops][virtual]") {
  Rig rig(esp32_link(512u << 10, 1.0));
  const Bytes old = random_bytes(512u << 10, 6);
  Bytes now = old;
  now[k64K + 5 * k4K + 7] ^= 0x5A;  // one byte changed in sector 5 of block 1
  rig.chip.flash().program(0, now);
  const auto old_file = temp_file("old.bin"), out = temp_file("new.bin");
  std::ofstream(old_file, std::ios::binary).write(reinterpret_cast<const char*>(old.data()), std::streamsize(old.size()));
  rig.s().connect();
  rig.chip.clear_commands();
  ReadFlashArgs args;
  args.file = out.string();
  args.diff_with = old_file.string();
  cmd_read_flash(rig.s(), args);

  // Block 1 differs from the old image: its sectors are hashed one by one
  // (at 1 ms, 16 round trips cost far less than half its wire time) and only
  // sector 5 is read; every other block is copied from the old image, the
  // unchanged ones after two in a row hashed in 128 KB requests.
  Requests want_md5 = {{0, k4K}, {0, k4K}, {0, k64K}, {k64K, k64K}};
  for (std::uint32_t sector = 0; sector < 16; ++sector) want_md5.push_back({k64K + sector * k4K, k4K});
  for (std::uint32_t b = 2; b < 4; ++b) want_md5.push_back({b * k64K, k64K});
  want_md5.push_back({0x40000, 0x20000});
  want_md5.push_back({0x60000, 0x20000});  // 256 KB would be allowed, but 0x60000 is not aligned to it
  CHECK(rig.chip.md5_requests() == want_md5);
  CHECK(rig.chip.read_requests() == Requests{{k64K + 5 * k4K, k4K}});
  CHECK(read_file(out) == now);
}

TEST_CASE("virtual time: at 16 ms latency the survey asks for aligned blocks of up to 512 KB over erased flash", "[ops][virtual]") {
  Rig rig(esp32_link(1u << 20, 16.0));
  rig.chip.flash().program(0, random_bytes(k64K, 3));  // block 0 used, the rest erased
  const auto out = temp_file("coarse.bin");
  Requests got = survey_of(rig, out);
  // Round trip ~32 ms, above both the 5 ms floor and the chip's 21 ms of
  // hashing 64 KB: coarse. Block 0 pays one sector round trip for its tail
  // (one slow sector does not yet stop the sector checks); then each
  // request is the largest aligned power of two the span allows: 64 KB at
  // 0x10000, 128 KB at 0x20000, 256 KB at 0x40000, and after two skippable
  // requests in a row the span doubles to 512 KB.
  Requests want = {{0, k4K},          {0, k4K},           {0, k64K},          {k64K - k4K, k4K},
                   {k64K, k64K},      {0x20000, 0x20000}, {0x40000, 0x40000}, {0x80000, 0x80000}};
  CHECK(got == want);
  CHECK(read_file(out) == rig.chip.flash().read(0, 1u << 20));
}

TEST_CASE("virtual time: write_flash compares by block and writes only the block that differs", "[ops][virtual]") {
  Rig rig(esp32_link(1u << 20, 1.0));
  Bytes image = random_bytes(4 * k64K, 4);
  rig.chip.flash().program(0x10000, image);
  image[2 * k64K + 100] ^= 0xFF;  // the image differs from the flash in block 2 only
  const auto file = temp_file("image.bin");
  {
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(image.data()), std::streamsize(image.size()));
  }
  rig.s().connect();
  rig.chip.clear_commands();
  WriteFlashArgs args;
  args.pairs = {{0x10000, file.string()}};  // not the bootloader offset: no header patching
  auto regions = prepare_write_flash(args, rig.report);
  cmd_write_flash(rig.s(), args, std::move(regions));

  std::vector<std::uint32_t> write_offsets;
  for (const auto& c : rig.chip.commands())
    if (c.op == std::uint8_t(Op::flash_defl_begin) || c.op == std::uint8_t(Op::flash_begin))
      write_offsets.push_back(get_u32(c.data, 12));
  // The image sits at 0x10000, so its block 2 is the flash's 0x30000.
  CHECK(write_offsets == std::vector<std::uint32_t>{0x10000 + 2 * k64K});
  CHECK(rig.chip.flash().read(0x10000, std::uint32_t(image.size())) == image);
}

TEST_CASE("virtual time: -b auto steps down past the rates a CP2102 cannot carry", "[ops][virtual]") {
  SimChipConfig cfg = esp32_link(1u << 20, 1.0);
  cfg.bridge = sim::find_bridge("cp2102");
  REQUIRE(cfg.bridge);
  Rig rig(cfg, 115200, /*auto_baud=*/true);
  rig.s().connect();
  // espsim's CP2102 carries 1 Mbaud reliably (docs/espsim.md): 2 Mbaud and
  // 1.5 Mbaud fail their verified probe, 921600 passes.
  CHECK(rig.s().baud() == 921600);
  CHECK(rig.s().recoveries() == 2);  // one per rate that failed
}

TEST_CASE("virtual time: a read whose connection is cut resumes after reconnecting", "[ops][virtual]") {
  // Every connection is cut after 300000 bytes to the host (the fault
  // counts per connection): the first in the second 256 KB chunk of a
  // 512 KB read, the second, which reads only what is left, never.
  SimChipConfig cfg = esp32_link(512u << 10, 1.0);
  std::string why;
  auto cut = sim::parse_fault("close:300000", &why);
  REQUIRE(cut);
  cfg.faults.faults.push_back(*cut);
  Rig rig(cfg);
  rig.chip.flash().program(0, random_bytes(512u << 10, 5));
  const auto out = temp_file("resumed.bin");
  rig.s().connect();
  ReadFlashArgs args;
  args.file = out.string();
  args.skip_erased = false;
  cmd_read_flash(rig.s(), args);
  CHECK(rig.s().recoveries() == 1);
  CHECK(read_file(out) == rig.chip.flash().read(0, 512u << 10));
}

namespace {

// Virtual seconds of read_flash 0 ALL on a fresh connection; `survey`:
// with the erased-block survey (the default), else --no-skip-erased.
double read_all_seconds(const SimChipConfig& cfg, const Bytes& flash, bool survey, std::uint64_t* transferred = nullptr) {
  Rig rig(cfg);
  rig.chip.flash().program(0, flash);
  rig.s().connect();
  const auto out = temp_file("timed.bin");
  ReadFlashArgs args;
  args.file = out.string();
  args.skip_erased = survey;
  const auto t0 = rig.chip.clock().now();
  cmd_read_flash(rig.s(), args);
  const double seconds = rig.chip.clock().seconds_since(t0);
  CHECK(read_file(out) == flash);
  if (transferred) {
    const std::string json = rig.report.json().dump();
    const auto at = json.find("\"bytes_transferred\":");
    REQUIRE(at != std::string::npos);
    *transferred = std::stoull(json.substr(at + 20));
  }
  return seconds;
}

}  // namespace

TEST_CASE("virtual time: on a fully used 4 MB flash the survey costs under 1 % of the read at 1 ms, 2 % at 16 ms",
          "[ops][virtual][survey_cost]") {
  // Issue 17's targets, on the injected clock: the survey's cost is the
  // difference to the same read without it.
  const Bytes flash = random_bytes(4u << 20, 11);
  const double wire = double(flash.size()) * 10.0 / 921600;  // 45.5 s
  for (const auto& [latency, share] : {std::pair{1.0, 0.01}, std::pair{16.0, 0.02}}) {
    CAPTURE(latency);
    const SimChipConfig cfg = esp32_link(4u << 20, latency);
    const double with = read_all_seconds(cfg, flash, true), without = read_all_seconds(cfg, flash, false);
    CAPTURE(with, without);
    CHECK(with - without <= share * wire);
  }
}

TEST_CASE("virtual time: a mostly erased 4 MB flash still skips every erased block", "[ops][virtual][survey_cost]") {
  // A typical board: 1 MB of firmware and data at the start, a used 64 KB
  // block in the middle (NVS), the rest erased.
  Bytes flash(4u << 20, 0xFF);
  const Bytes firmware = random_bytes(1u << 20, 12), nvs = random_bytes(k64K, 13);
  std::copy(firmware.begin(), firmware.end(), flash.begin());
  std::copy(nvs.begin(), nvs.end(), flash.begin() + 0x210000);
  for (double latency : {1.0, 16.0}) {
    CAPTURE(latency);
    std::uint64_t transferred = 0;
    read_all_seconds(esp32_link(4u << 20, latency), flash, true, &transferred);
    // The sparse probes over the firmware read it whole; the NVS block is
    // found by its unit's hashing; nothing erased crosses the wire.
    CHECK(transferred == firmware.size() + nvs.size());
  }
}
