// sim::Device: the chip image. Registers and eFuses as esptool reads them
// (encoded from the chip file's fields), the SPI user-command registers
// that run a flash command when the host sets CMD bit 18, and the security
// info a ROM reports. Sources: docs/espsim.md "Registers".
#include <map>

#include "device_internal.hpp"

namespace espbak::sim {

std::array<std::uint8_t, 6> default_mac(ChipId id) { return chip(id).sim.default_mac; }

bool mac_encodable(ChipId id, const std::array<std::uint8_t, 6>& mac) {
  std::map<std::uint32_t, std::uint32_t> scratch;
  FieldWriter w(scratch);
  return chip(id).sim.encode_mac(mac, w);
}

void Device::init_registers() {
  // The register image esptool reads, encoded from the chip file's fields:
  // the detection magic, the configured MAC, and the package / revision /
  // calibration values the chip file chose for the simulated part.
  regs_.clear();
  // A chip esptool never knew by a magic value (ESP32-H21) reads 0 there:
  // what its ROM holds at that address is unknown (UNVERIFIED), and no host
  // looks at it once GET_SECURITY_INFO has named the chip.
  if (!chip_.magic_values.empty()) regs_[kChipDetectMagicReg] = chip_.magic_values.front();
  FieldWriter w(regs_);
  chip_.sim.encode_mac(cfg_.mac, w);
  for (const auto& fv : chip_.sim.power_on_fields) w.set(fv.field, fv.value);
}

std::uint32_t Device::read_register(std::uint32_t addr) const {
  if (addr == chip_.crystal.uart_clkdiv_reg) {
    // The ROM programs CLKDIV = UART clock / baud; esptool estimates the
    // crystal as baud * CLKDIV / 1e6 / divider.
    std::uint64_t div = (std::uint64_t(chip_.sim.xtal_hz) * chip_.crystal.clk_divider + baud_ / 2) / baud_;
    return std::uint32_t(div & 0xFFFFF);
  }
  auto it = regs_.find(addr);
  return it == regs_.end() ? 0 : it->second;
}

void Device::write_register(std::uint32_t addr, std::uint32_t value, std::uint32_t mask) {
  std::uint32_t v = value & mask;
  if (mask != 0xFFFFFFFF) v |= read_register(addr) & ~mask;
  regs_[addr] = v;
  const SpiRegs& spi = chip_.spi;
  if (addr == spi.cmd() && (v & kSpiCmdUsr)) {
    // Execute the SPI user command the host set up (esptool
    // run_spiflash_command): command byte in USR2 bits 0-7; read length from
    // MISO_DLEN, or on the ESP8266 from USR1 bits 8-16.
    std::uint8_t command = std::uint8_t(read_register(spi.base + spi.usr2) & 0xFF);
    std::uint32_t miso_bits = spi.miso_dlen ? (read_register(spi.base + spi.miso_dlen) & 0xFFFFFF) + 1
                                            : ((read_register(spi.base + spi.usr1) >> 8) & 0x1FF) + 1;
    std::uint32_t result = command == kSpiFlashRdid ? cfg_.jedec_id : 0;
    if (miso_bits < 32) result &= (1u << miso_bits) - 1;
    regs_[spi.base + spi.w0] = result;
    regs_[addr] = v & ~kSpiCmdUsr;  // done: the host's poll of bit 18 ends
  }
}

// WRITE_REG: each entry's delay, then its write, in order.
void Device::write_regs(const cmd::WriteReg& req) {
  for (const auto& e : req.entries) {
    now_ += SimTime(e.delay_us) * 1000 * (cfg_.uart_timing ? 1 : 0);
    write_register(e.addr, e.value, e.mask);
  }
}

cmd::SecurityInfo Device::security_info() const {
  // Fact sheet 2.1 (S3 and later, 20 bytes): u32 flags, u8 flash_crypt_cnt,
  // 7 x u8 key purposes, u32 chip id, u32 API version. A chip whose row has
  // no security chip id answers the first 12 bytes only, as the ESP32-S2
  // ROM does (loader.py get_security_info's fallback). Flags: only
  // SECURE_DOWNLOAD_ENABLE (bit 2) when the mode is on; no secure boot, no
  // flash encryption, key purposes all 0 (unused). The API version the
  // real S3 ROM reports is UNVERIFIED: 0 here.
  cmd::SecurityInfo si;
  si.flags = cfg_.secure_download_mode ? cmd::SecurityInfo::kSecureDownloadEnable : 0u;
  if (chip_.security_chip_id) {
    si.chip_id = *chip_.security_chip_id;
    si.api_version = 0;
  }
  return si;
}

}  // namespace espbak::sim
