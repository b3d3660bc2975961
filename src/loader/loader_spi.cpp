// Loader: raw SPI flash commands through the chip's SPI user-command
// registers (RDID, the status registers, SFDP), as esptool v5.3.1 loader.py
// run_spiflash_command / read_status / write_status / read_spiflash_sfdp run
// them over READ_REG and WRITE_REG. The same registers serve ROM and stub.
#include <fmt/format.h>

#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

// SPI_USR register phase flags and shifts (loader.py run_spiflash_command).
constexpr std::uint32_t kUsrCommand = 1u << 31;
constexpr std::uint32_t kUsrAddr = 1u << 30;
constexpr std::uint32_t kUsrDummy = 1u << 29;
constexpr std::uint32_t kUsrMiso = 1u << 28;
constexpr std::uint32_t kUsrMosi = 1u << 27;
constexpr unsigned kUsr2CommandLenShift = 28;
constexpr unsigned kUsrAddrLenShift = 26;        // in USR1
constexpr unsigned kEsp8266MisoBitlenShift = 8;  // ESP8266 packs bit lengths into USR1
constexpr unsigned kEsp8266MosiBitlenShift = 17;

// Flash opcodes esptool sends (loader.py read_status / write_status /
// read_spiflash_sfdp).
constexpr std::uint8_t kRdsr[3] = {0x05, 0x35, 0x15};  // RDSR, RDSR2, RDSR3
constexpr std::uint8_t kWrsr[3] = {0x01, 0x31, 0x11};  // WRSR, WRSR2, WRSR3
constexpr std::uint8_t kWren = 0x06;
constexpr std::uint8_t kWevsr = 0x50;  // write enable for the volatile status bits
constexpr std::uint8_t kWrdi = 0x04;
constexpr std::uint8_t kRdsfdp = 0x5A;
constexpr std::uint8_t kResetEnable = 0x66;
constexpr std::uint8_t kResetDevice = 0x99;

}  // namespace

void Loader::write_regs(const std::vector<cmd::WriteReg::Entry>& entries) {
  // The flasher stub takes a sequence of writes in one WRITE_REG, done in
  // order (esp-flasher-stub src/command_handler.c s_write_reg, since v0.2.0;
  // the legacy stub's stub_flasher.c cmd_loop alike): one round trip. The
  // ROMs are documented for one write a command (esptool
  // docs/en/advanced-topics/serial-protocol.rst, WRITE_REG: "Four 32-bit
  // words") and esptool sends them no more, so neither does espbak. Only
  // SPI controller registers come here: the field-word cache stays.
  if (stub_) {
    check(cmd::WriteReg{entries});
    return;
  }
  for (const auto& e : entries) check(cmd::WriteReg{{e}});
}

std::uint32_t Loader::run_spiflash_command(const SpiFlashCommand& c) {
  // Register layout from the chip row (fact sheet 4.2 and 9).
  if (c.read_bits > 32) throw Error(ErrorKind::internal, "SPI flash commands read at most 32 bits");
  if (c.data.size() > 64) throw Error(ErrorKind::internal, "SPI flash commands write at most 64 bytes");
  const SpiRegs& spi = chip().spi;
  const std::uint32_t usr = spi.base + spi.usr, usr1 = spi.base + spi.usr1, usr2 = spi.base + spi.usr2;
  const std::uint32_t w0 = spi.base + spi.w0;
  const std::uint32_t data_bits = std::uint32_t(c.data.size() * 8);

  std::uint32_t old_usr = read_reg(usr);
  std::uint32_t old_usr2 = read_reg(usr2);
  std::uint32_t flags = kUsrCommand;
  if (c.read_bits > 0) flags |= kUsrMiso;
  if (data_bits > 0) flags |= kUsrMosi;
  if (c.addr_len > 0) flags |= kUsrAddr;
  if (c.dummy_len > 0) flags |= kUsrDummy;
  std::uint32_t phase_lengths = 0;  // USR1: dummy cycles - 1, address bits - 1
  if (c.dummy_len > 0) phase_lengths |= c.dummy_len - 1;
  if (c.addr_len > 0) phase_lengths |= (c.addr_len - 1) << kUsrAddrLenShift;
  std::vector<cmd::WriteReg::Entry> setup;  // in esptool's order, the command start last
  auto set = [&](std::uint32_t addr, std::uint32_t value) { setup.push_back({addr, value}); };
  if (spi.mosi_dlen != 0) {
    // ESP32 and later: separate bit-length registers, each written only when used.
    if (data_bits > 0) set(spi.base + spi.mosi_dlen, data_bits - 1);
    if (c.read_bits > 0) set(spi.base + spi.miso_dlen, c.read_bits - 1);
    if (phase_lengths) set(usr1, phase_lengths);
  } else {
    // ESP8266: both bit lengths in USR1, always written.
    std::uint32_t miso = c.read_bits == 0 ? 0 : c.read_bits - 1;
    std::uint32_t mosi = data_bits == 0 ? 0 : data_bits - 1;
    set(usr1, (miso << kEsp8266MisoBitlenShift) | (mosi << kEsp8266MosiBitlenShift) | phase_lengths);
  }
  set(usr, flags);
  set(usr2, (7u << kUsr2CommandLenShift) | c.command);
  if (c.addr_len > 0) {
    // SPI_ADDR_REG_MSB: the ESP8266 / ESP32 controller clocks the address
    // from the register's top bits.
    std::uint32_t a = spi.addr_msb_aligned && c.addr_len < 32 ? c.addr << (32 - c.addr_len) : c.addr;
    set(spi.addr(), a);
  }
  if (data_bits == 0) {
    set(w0, 0);  // clear the data register before reading it
  } else {
    // Little-endian words from W0 on, the last one padded with zeros.
    for (std::size_t i = 0; i < c.data.size(); i += 4) {
      std::uint32_t word = 0;
      for (std::size_t b = 0; b < 4 && i + b < c.data.size(); ++b) word |= std::uint32_t(c.data[i + b]) << (8 * b);
      set(w0 + std::uint32_t(i), word);
    }
  }
  set(spi.cmd(), kSpiCmdUsr);
  write_regs(setup);
  bool done = false;
  for (int i = 0; i < 10 && !done; ++i) done = (read_reg(spi.cmd()) & kSpiCmdUsr) == 0;
  if (!done) throw Error(ErrorKind::device, "SPI flash command did not complete in time");
  std::uint32_t result = read_reg(w0);
  write_regs({{usr, old_usr}, {usr2, old_usr2}});
  return result;
}

std::uint32_t Loader::flash_id() {
  if (sdm_)  // RDID goes through READ_REG / WRITE_REG, which the ROM refuses
    throw Error(ErrorKind::unsupported, "the flash ID cannot be read in Secure Download Mode");
  if (!flash_id_cache_) flash_id_cache_ = run_spiflash_command({.command = kSpiFlashRdid, .read_bits = 24});
  return *flash_id_cache_;
}

std::uint32_t Loader::read_flash_status(unsigned num_bytes) {
  // RDSR, RDSR2, RDSR3 in turn, 8 bits each, lowest register first. A flash
  // without RDSR2/RDSR3 leaves those bytes as 0xFF (esptool's docstring).
  std::uint32_t status = 0;
  for (unsigned i = 0; i < num_bytes && i < 3; ++i)
    status |= run_spiflash_command({.command = kRdsr[i], .read_bits = 8}) << (8 * i);
  return status;
}

void Loader::write_flash_status(std::uint32_t value, unsigned num_bytes, bool non_volatile) {
  // loader.py write_status: each write is preceded by WREN (non-volatile)
  // or 50h (volatile bits only); with 2 bytes a 16-bit WRSR comes first,
  // for flash that takes SR2 that way; then WRSR / WRSR2 / WRSR3 one byte
  // each; WRDI at the end.
  const std::uint8_t enable = non_volatile ? kWren : kWevsr;
  if (num_bytes == 2) {
    run_spiflash_command({.command = enable});
    run_spiflash_command({.command = kWrsr[0], .data = {std::uint8_t(value), std::uint8_t(value >> 8)}});
  }
  for (unsigned i = 0; i < num_bytes && i < 3; ++i) {
    run_spiflash_command({.command = enable});
    run_spiflash_command({.command = kWrsr[i], .data = {std::uint8_t(value >> (8 * i))}});
  }
  run_spiflash_command({.command = kWrdi});
}

void Loader::reset_flash_chip() {
  // esptool cmds.py attach_flash, outside Secure Download Mode, with ROM and
  // stub alike: "Reset enable", "Reset", 1 ms. A failure is only traced
  // there; here too it is left to the command that follows.
  try {
    run_spiflash_command({.command = kResetEnable});
    run_spiflash_command({.command = kResetDevice});
    sleep_(std::chrono::milliseconds(1));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::port) throw;
    log(LoaderEvent::note, fmt::format("Unable to reset flash chip ({}).", e.what()));
  }
}

std::uint32_t Loader::read_flash_sfdp(std::uint32_t addr, unsigned read_bits) {
  // 5Ah, a 24-bit address, 8 dummy cycles (loader.py read_spiflash_sfdp).
  return run_spiflash_command(
      {.command = kRdsfdp, .read_bits = read_bits, .addr = addr, .addr_len = 24, .dummy_len = 8});
}

}  // namespace espbak
