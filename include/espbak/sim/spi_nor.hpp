#pragma once
// The command side of the simulated SPI NOR flash: what a W25Q-class part
// answers to a raw command the host runs through the chip's SPI user-command
// registers (esptool loader.py run_spiflash_command): RDID, the SFDP read,
// the three status registers and their writes. The array itself is
// FlashModel. Sources: docs/espsim.md "SPI flash commands".
#include <array>
#include <cstdint>
#include <vector>

namespace espbak::sim {

// One user transaction as the SPI controller clocks it: the command byte,
// then the address phase, dummy cycles, MOSI data, and the MISO phase.
struct SpiTransaction {
  std::uint8_t command = 0;
  std::uint32_t addr_bits = 0;  // 0: no address phase
  std::uint32_t addr = 0;
  std::uint32_t dummy_cycles = 0;
  std::vector<std::uint8_t> mosi;  // data bytes in wire order
  std::uint32_t mosi_bits = 0;
  std::uint32_t miso_bits = 0;  // at most 32 (what W0 holds)
};

class SpiNorFlash {
 public:
  // The MISO bits of `t` packed as the controller leaves them in W0: the
  // first byte received in bits 0-7, each byte MSB first on the wire. Bits
  // past miso_bits are 0. `jedec_id` as RDID returns it (mfr | type << 8 |
  // capacity << 16); `size` the array's, for the SFDP density.
  std::uint32_t transact(const SpiTransaction& t, std::uint32_t jedec_id, std::uint32_t size);

  // Status registers 1..3 (index 0..2), as RDSR / RDSR2 / RDSR3 read them.
  std::uint8_t status(int index) const { return sr_[index]; }
  // What the registers return to after a power cycle: the non-volatile
  // values (a write after 06h sets both; one after 50h only the volatile).
  std::uint8_t non_volatile_status(int index) const { return nv_[index]; }
  // Power off and on, or the 66h / 99h software reset: the volatile values
  // are lost, the non-volatile ones restored, WEL cleared (W25Q256JV
  // datasheet 8.2.5; espsim's chip reset does not call it: the flash keeps
  // its power).
  void power_cycle();

  // The 256-byte SFDP area for a part of `size` bytes.
  static std::array<std::uint8_t, 256> sfdp_table(std::uint32_t size);

 private:
  void write_status(int index, std::uint8_t value, bool non_volatile);
  std::array<std::uint8_t, 3> sr_{};  // reset values: docs/espsim.md (UNVERIFIED beyond BUSY/WEL = 0)
  std::array<std::uint8_t, 3> nv_{};  // the non-volatile copy sr_ powers up from
  bool volatile_write_enabled_ = false;  // after 50h, for the next status write
  bool reset_enabled_ = false;           // after 66h, for a 99h right after it
};

}  // namespace espbak::sim
