// The simulated flash's raw commands (docs/espsim.md "SPI flash commands").
// The flash drives its data output only in a command's output phase; the
// datasheets draw it "High Impedance" everywhere else (W25Q256FV Figure 44,
// Read SFDP). espsim reads an undriven line as 1 (UNVERIFIED beyond
// esptool's test_attach_flash accepting ff), so an unknown command, or
// cycles past a command's answer, read all ones, never a made-up value.
#include "espbak/sim/spi_nor.hpp"

#include <algorithm>

namespace espbak::sim {

namespace {

constexpr std::uint8_t kRdid = 0x9F;
constexpr std::uint8_t kRdsfdp = 0x5A;
constexpr std::uint8_t kRdsr[3] = {0x05, 0x35, 0x15};
constexpr std::uint8_t kWrsr[3] = {0x01, 0x31, 0x11};
constexpr std::uint8_t kWren = 0x06;
constexpr std::uint8_t kWrdi = 0x04;
constexpr std::uint8_t kWevsr = 0x50;  // write enable for volatile status register
constexpr std::uint8_t kResetEnable = 0x66;
constexpr std::uint8_t kResetDevice = 0x99;

constexpr std::uint8_t kWel = 0x02;  // SR1 S1 (S0 is BUSY)

// Bits the Write Status Register instructions change, per register, and the
// OTP ones among them (set once, never cleared): W25Q256JV datasheet 8.2.5
// ("TB, BP[3:0] in Status Register-1; CMP, LB[3:1], QE, SRL in Status
// Register-2; DRV1, DRV0, WPS & ADP in Status Register-3 ... LB[3:1] are
// non-volatile OTP bits"), bit positions from its 7.1: BP3..BP0 = S5..S2,
// CMP = S14. TB = S6, SRL = S8, QE = S9, LB1..3 = S11..S13, ADP = S17,
// WPS = S18, DRV0/1 = S21/S22 are the usual Winbond layout, UNVERIFIED
// against the page text.
constexpr std::uint8_t kWritable[3] = {0x7C, 0x7B, 0x66};
constexpr std::uint8_t kOtp[3] = {0x00, 0x38, 0x00};

// Bytes of the transaction's input after the command byte, as bits (the
// address phase, then dummy cycles, then MOSI data). Dummy cycles carry no
// data; they read as 1 here.
std::vector<bool> host_bits(const SpiTransaction& t) {
  std::vector<bool> bits;
  for (std::uint32_t i = 0; i < t.addr_bits; ++i) bits.push_back((t.addr >> (t.addr_bits - 1 - i)) & 1);
  bits.insert(bits.end(), t.dummy_cycles, true);
  for (std::uint32_t i = 0; i < t.mosi_bits; ++i) {
    std::size_t byte = i / 8;
    bits.push_back(byte < t.mosi.size() && ((t.mosi[byte] >> (7 - i % 8)) & 1));
  }
  return bits;
}

}  // namespace

std::array<std::uint8_t, 256> SpiNorFlash::sfdp_table(std::uint32_t size) {
  // A Winbond W25Q128JV's SFDP area as Linux read it from the part (jedec id
  // ef4018, sysfs spi-nor/sfdp hexdump in Linus Walleij's "[PATCH v5] mtd:
  // spi-nor: Correct flags for Winbond w25q128", 18 July 2023,
  // https://lore.kernel.org/r/20230718-spi-nor-winbond-w25q128-v5-1-a73653ee46c3@linaro.org).
  // Layout (JESD216, as Linux drivers/mtd/spi-nor/sfdp.c struct sfdp_header
  // / sfdp_parameter_header read it): "SFDP" signature
  // 0x50444653, minor 5, major 1, NPH 0 (one header), 0xFF; the BFPT header
  // (id LSB 00, table revision 1.5, 16 DWORDs, pointer 0x000080, id MSB FF).
  // BFPT DWORD1 e5 20 f9 ff (bit meanings: Linux drivers/mtd/spi-nor/
  // sfdp.h BFPT_DWORD1_*): 4 KB erase with opcode 20h, 1-1-2 read (bit 16),
  // 3-byte addresses only (bits 17-18), DTR (19), 1-2-2 / 1-4-4 / 1-1-4
  // reads (20-22). DWORD8-9 0c 20 0f 52 10 d8: erase types 4 KB 20h,
  // 32 KB 52h, 64 KB D8h. Bytes 0x10-0x7F are FF in the dump; 0xC0-0xFF
  // were not dumped and read FF here (UNVERIFIED).
  static constexpr std::uint8_t kHeader[16] = {0x53, 0x46, 0x44, 0x50, 0x05, 0x01, 0x00, 0xFF,
                                               0x00, 0x05, 0x01, 0x10, 0x80, 0x00, 0x00, 0xFF};
  static constexpr std::uint8_t kBfpt[64] = {
      0xE5, 0x20, 0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x44, 0xEB, 0x08, 0x6B, 0x08, 0x3B, 0x42, 0xBB,
      0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF, 0x40, 0xEB, 0x0C, 0x20, 0x0F, 0x52,
      0x10, 0xD8, 0x00, 0x00, 0x36, 0x02, 0xA6, 0x00, 0x82, 0xEA, 0x14, 0xC9, 0xE9, 0x63, 0x76, 0x33,
      0x7A, 0x75, 0x7A, 0x75, 0xF7, 0xA2, 0xD5, 0x5C, 0x19, 0xF7, 0x4D, 0xFF, 0xE9, 0x30, 0xF8, 0x80};
  std::array<std::uint8_t, 256> t;
  t.fill(0xFF);
  std::copy(std::begin(kHeader), std::end(kHeader), t.begin());
  std::copy(std::begin(kBfpt), std::end(kBfpt), t.begin() + 0x80);
  // DWORD2: density in bits minus 1 (JESD216; the W25Q128JV's 0x07FFFFFF is
  // 128 Mbit - 1), for the configured size. Parts above 2 Gbit use another
  // form (bit 31 set); espsim's sizes stay far below.
  const std::uint32_t density = size * 8u - 1u;
  for (int i = 0; i < 4; ++i) t[0x84 + i] = std::uint8_t(density >> (8 * i));
  return t;
}

void SpiNorFlash::write_status(int index, std::uint8_t value, bool non_volatile) {
  // W25Q256JV datasheet 8.2.5 (the JV family's Write Status Register): after
  // 06h (WEL = 1) the write lands in the non-volatile bits; after 50h (WEL
  // stays 0) in the volatile copy only, lost at power off. The OTP bits
  // (LB3..1) never return to 0 either way. The write ends the enable (WEL
  // clears when a write completes; 50h is taken as good for one write,
  // which is how esptool's write_status sends it, UNVERIFIED beyond that).
  auto merged = [&](std::uint8_t old) {
    std::uint8_t v = std::uint8_t((old & ~kWritable[index]) | (value & kWritable[index]));
    return std::uint8_t(v | (old & kOtp[index]));
  };
  sr_[index] = merged(sr_[index]);
  if (non_volatile) nv_[index] = merged(nv_[index]);
}

void SpiNorFlash::power_cycle() {
  sr_ = nv_;
  sr_[0] &= std::uint8_t(~kWel);
  volatile_write_enabled_ = false;
}

std::uint32_t SpiNorFlash::transact(const SpiTransaction& t, std::uint32_t jedec_id, std::uint32_t size) {
  const std::vector<bool> in = host_bits(t);
  // What the flash drives at output cycle `c` (counted after the command
  // byte): 1 = undriven or a one bit.
  auto byte_bit = [](std::uint8_t b, std::uint32_t c) { return bool((b >> (7 - c % 8)) & 1); };
  std::vector<std::uint8_t> answer;  // bytes from cycle `start`
  std::uint32_t start = 0;
  bool repeat = false;
  if (t.command == kRdid) {
    answer = {std::uint8_t(jedec_id), std::uint8_t(jedec_id >> 8), std::uint8_t(jedec_id >> 16)};
  } else if (t.command == kRdsfdp) {
    // 24-bit address, 8 dummy clocks, then the bytes from the address
    // (W25Q256FV 8.2.40: A23-A8 = 0, A7-A0 address the 256-byte area).
    // Modelled only when the host clocks the address in an address phase of
    // 24 bits or more, as esptool's read_spiflash_sfdp does.
    start = 32;
    if (t.addr_bits >= 24) {
      std::uint32_t a = 0;
      for (int i = 0; i < 24; ++i) a = (a << 1) | (in[std::size_t(i)] ? 1u : 0u);
      if (a < 256) {
        auto table = sfdp_table(size);
        answer.assign(table.begin() + a, table.end());
      }
    }
  } else {
    for (int i = 0; i < 3; ++i)
      if (t.command == kRdsr[i]) {
        answer = {sr_[std::size_t(i)]};
        repeat = true;  // the status register can be read continuously
      }
  }
  const std::uint32_t first = t.addr_bits + t.dummy_cycles + t.mosi_bits;  // MISO phase follows them
  std::uint32_t w0 = 0;
  for (std::uint32_t i = 0; i < std::min<std::uint32_t>(t.miso_bits, 32); ++i) {
    const std::uint32_t c = first + i;
    bool bit = true;
    if (c >= start && !answer.empty()) {
      std::size_t k = (c - start) / 8;
      if (repeat) k %= answer.size();
      if (k < answer.size()) bit = byte_bit(answer[k], c - start);
    }
    if (bit) w0 |= 1u << ((i / 8) * 8 + (7 - i % 8));
  }

  // Commands that change the flash's state.
  // 66h then 99h: a software reset, which drops the volatile status values
  // like a power cycle (W25Q256JV 8.2.5: "Upon power off or the execution
  // of a Software/Hardware Reset, the volatile Status Register bit values
  // will be lost"); 99h counts only right after 66h (the datasheets' Enable
  // Reset / Reset Device pair; any other command in between cancelling the
  // enable: UNVERIFIED).
  if (t.command == kResetDevice && reset_enabled_) power_cycle();
  reset_enabled_ = t.command == kResetEnable;
  if (t.command == kWren) sr_[0] |= kWel;
  if (t.command == kWrdi) {
    sr_[0] &= std::uint8_t(~kWel);
    volatile_write_enabled_ = false;
  }
  if (t.command == kWevsr) volatile_write_enabled_ = true;
  const bool wel = sr_[0] & kWel;
  for (int i = 0; i < 3; ++i) {
    if (t.command != kWrsr[i] || t.mosi_bits < 8 || t.mosi.empty()) continue;
    if (!wel && !volatile_write_enabled_) break;  // neither 06h nor 50h came first: ignored
    write_status(i, t.mosi[0], wel);
    // 01h followed by a second byte writes Status Register-2 too, the
    // Winbond 16-bit form esptool's write_status tries first for 2 bytes
    // (Linux spi-nor takes it as the default, SNOR_F_HAS_16BIT_SR; for the
    // W25Q128JV itself UNVERIFIED against its datasheet page).
    if (i == 0 && t.mosi_bits >= 16 && t.mosi.size() >= 2) write_status(1, t.mosi[1], wel);
    sr_[0] &= std::uint8_t(~kWel);
    volatile_write_enabled_ = false;
  }
  return w0;
}

}  // namespace espbak::sim
