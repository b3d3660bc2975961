// sim::Device: the chip image. Registers and eFuses as esptool reads them
// (encoded from the chip file's fields), the SPI user-command registers
// that run a flash command when the host sets CMD bit 18, and the security
// info a ROM reports. Sources: docs/espsim.md "Registers".
#include <algorithm>
#include <map>

#include "espbak/stubs/stub_sources.hpp"

#include "device_internal.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak::sim {

std::array<std::uint8_t, 6> default_mac(ChipId id) { return chip(id).sim.default_mac; }

bool mac_encodable(ChipId id, const std::array<std::uint8_t, 6>& mac) {
  std::map<std::uint32_t, std::uint32_t> scratch;
  FieldWriter w(scratch);
  return chip(id).sim.encode_mac(mac, w);
}

std::optional<FieldValue> parse_efuse_setting(const ChipInfo& chip, std::string_view text, std::string* error) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    *error = "want NAME=VALUE";
    return std::nullopt;
  }
  auto field = chip.field(text.substr(0, eq));
  if (!field) {
    std::string names;
    for (const auto& f : chip.fields) names += (names.empty() ? "" : ", ") + std::string(f.name);
    *error = "the " + std::string(chip.name) + " has no field " + std::string(text.substr(0, eq)) + " (it has " +
             names + ")";
    return std::nullopt;
  }
  auto value = parse_u32(text.substr(eq + 1));
  const std::uint64_t limit = std::uint64_t(1) << field->width;
  if (!value || *value >= limit) {
    *error = "value must be a number below " + std::to_string(limit) + " (" + std::to_string(field->width) +
             "-bit field)";
    return std::nullopt;
  }
  return FieldValue{*field, *value};
}

void Device::init_registers() {
  // The register image esptool reads, encoded from the chip file's fields:
  // the detection magic (if the chip has one), the configured MAC, and the package / revision /
  // calibration values the chip file chose for the simulated part.
  regs_.clear();
  // A chip detected by GET_SECURITY_INFO alone (USES_MAGIC_VALUE False and
  // no historic magic in any esptool release: ESP32-H4, S31, H21) has no
  // value to put there: the register then reads 0 like any other unmodelled
  // one (what their ROMs hold there: UNVERIFIED; no host looks once
  // GET_SECURITY_INFO has named the chip).
  if (!chip_.magic_values.empty()) regs_[kChipDetectMagicReg] = chip_.magic_values.front();
  FieldWriter w(regs_);
  chip_.sim.encode_mac(cfg_.mac, w);
  for (const auto& fv : chip_.sim.power_on_fields) w.set(fv.field, fv.value);
  if (cfg_.chip_revision && chip_.sim.encode_revision)
    chip_.sim.encode_revision(cfg_.chip_revision->first, cfg_.chip_revision->second, w);
  for (const auto& fv : cfg_.efuse_overrides) w.set(fv.field, fv.value);
  // A part whose flash supply is off after reset (ESP32-P4 ECO6/ECO7): the
  // gate for its revision, as the host would decode that revision.
  flash_gate_ = nullptr;
  if (chip_.revision) {
    if (auto rev = chip_.revision(FieldReader([this](std::uint32_t a) { return read_register(a); })))
      for (const auto& g : chip_.sim.flash_power_gates)
        if (g.revision == *rev) flash_gate_ = &g;
  }
  // UARTDEV_BUF_NO: the console the ROM serves (esptool v4 get_uart_no);
  // 0 = UART0.
  if (chip_.usb) {
    const auto rev = chip_.revision ? chip_.revision(FieldReader([this](std::uint32_t a) { return read_register(a); }))
                                    : std::nullopt;
    if (auto reg = chip_.usb->uart_no_reg(rev)) {
      std::uint32_t v = 0;
      if (cfg_.download_path == DownloadPath::usb_otg) v = chip_.usb->uart_no_usb_otg.value_or(0);
      if (cfg_.download_path == DownloadPath::usb_jtag_serial) v = chip_.usb->uart_no_jtag_value(rev).value_or(0);
      regs_[*reg] = v;
    }
  }
  update_flash_power();
}

void Device::update_flash_power() {
  bool on = true;
  if (flash_gate_)
    for (const RegBits& b : flash_gate_->needs) on = on && (read_register(b.addr) & b.mask) == b.value;
  flash_.set_powered(on);
}

bool Device::uploaded_code_runs(std::uint32_t entry) const {
  // The ROM jumps to whatever was uploaded. Code the simulation does not know
  // (unit tests jump to made-up addresses) runs as the stub. A stub image
  // built for another chip or silicon revision does not: the ESP32-P4's two
  // images are linked for different RAM (esp-flasher-stub src/ld/esp32p4.ld
  // and esp32p4-rev1.ld) and the wrong one does not work on the part
  // (esp-rs/espflash PR #992). What the real chip then does (crash, hang) is
  // UNVERIFIED; espsim goes silent, so no OHAI comes.
  const std::string_view wanted = chip_.stub_for(FieldReader([this](std::uint32_t a) { return read_register(a); }));
  bool known = false;
  for (std::size_t i = 0; i < kStubImageSourceCount; ++i) {
    const StubImageSource& s = kStubImageSources[i];
    if (s.entry != entry) continue;
    if (s.name == wanted) return true;
    known = true;
  }
  return !known && !cfg_.unknown_ram_code_is_app;
}

std::uint32_t Device::read_register(std::uint32_t addr) const {
  if (addr == chip_.crystal.uart_clkdiv_reg) {
    // The ROM programs CLKDIV = UART clock / baud; esptool estimates the
    // crystal as baud * CLKDIV / 1e6 / divider.
    std::uint64_t div = (std::uint64_t(xtal_hz()) * chip_.crystal.clk_divider + baud_ / 2) / baud_;
    return std::uint32_t(div & 0xFFFFF);
  }
  auto it = regs_.find(addr);
  return it == regs_.end() ? 0 : it->second;
}

std::uint32_t Device::xtal_hz() const { return cfg_.xtal_hz ? cfg_.xtal_hz : chip_.sim.xtal_hz; }

double Device::rom_uart_scale() const {
  if (!chip_.rom_crystal) return 1.0;
  // The assumption as the ROM holds it: a constant, or the register field it
  // left it in (the power-on image, chip file's power_on_fields).
  FieldReader fields([this](std::uint32_t addr) { return read_register(addr); });
  const std::uint32_t assumed_mhz = chip_.rom_crystal->assumed(fields);
  return assumed_mhz ? double(xtal_hz()) / (double(assumed_mhz) * 1e6) : 1.0;
}

void Device::write_register(std::uint32_t addr, std::uint32_t value, std::uint32_t mask) {
  std::uint32_t v = value & mask;
  if (mask != 0xFFFFFFFF) v |= read_register(addr) & ~mask;
  regs_[addr] = v;
  const SpiRegs& spi = chip_.spi;
  if (addr == spi.cmd() && (v & kSpiCmdUsr)) {
    regs_[spi.base + spi.w0] = run_spi_user_command();
    regs_[addr] = v & ~kSpiCmdUsr;  // done: the host's poll of bit 18 ends
  }
  if (flash_gate_) update_flash_power();
  watch_watchdog(addr, v);
}

std::uint32_t Device::run_spi_user_command() {
  // The transaction as esptool run_spiflash_command sets it up: phase
  // flags in USR (31 command, 30 address, 29 dummy, 28 MISO, 27 MOSI);
  // command byte in USR2 bits 0-7; address length in USR1 bits 26-31 and
  // dummy cycles in bits 0-7 (length - 1 each); the address in ADDR, at its
  // top end where the chip's SPI_ADDR_REG_MSB says so; data lengths from
  // MOSI_DLEN / MISO_DLEN, or on the ESP8266 from USR1 bits 17-25 / 8-16.
  const SpiRegs& spi = chip_.spi;
  const std::uint32_t usr = read_register(spi.base + spi.usr);
  const std::uint32_t usr1 = read_register(spi.base + spi.usr1);
  SpiTransaction t;
  t.command = std::uint8_t(read_register(spi.base + spi.usr2) & 0xFF);
  if (usr & (1u << 30)) {
    t.addr_bits = ((usr1 >> 26) & 0x3F) + 1;
    const std::uint32_t raw = read_register(spi.addr());
    // ADDR holds 32 bits; a longer address phase (up to 64) is clocked from it as if 32 (UNVERIFIED).
    const std::uint32_t n = std::min<std::uint32_t>(t.addr_bits, 32);
    t.addr = n == 32 ? raw : spi.addr_msb_aligned ? raw >> (32 - n) : raw & ((1u << n) - 1);
    t.addr_bits = n;
  }
  if (usr & (1u << 29)) t.dummy_cycles = (usr1 & 0xFF) + 1;
  if (usr & (1u << 27)) {
    t.mosi_bits =
        spi.mosi_dlen ? (read_register(spi.base + spi.mosi_dlen) & 0xFFFFFF) + 1 : ((usr1 >> 17) & 0x1FF) + 1;
    for (std::uint32_t i = 0; i < (t.mosi_bits + 7) / 8 && i < 64; ++i)
      t.mosi.push_back(std::uint8_t(read_register(spi.base + spi.w0 + i / 4 * 4) >> (8 * (i % 4))));
  }
  // Without the MISO phase nothing is read (W0 keeps what the host put there).
  if (!(usr & (1u << 28))) {
    if (flash_attached_ && flash_.powered()) spi_nor_.transact(t, cfg_.jedec_id, flash_.size());
    return read_register(spi.base + spi.w0);
  }
  t.miso_bits = spi.miso_dlen ? (read_register(spi.base + spi.miso_dlen) & 0xFFFFFF) + 1 : ((usr1 >> 8) & 0x1FF) + 1;
  // A flash not attached (pins not routed to the controller) or unpowered
  // drives nothing: MISO reads all ones, as esptool sees before an attach
  // ("Device: ffff", test_esptool.py test_attach_flash; issue 13).
  if (!flash_attached_ || !flash_.powered()) {
    std::uint32_t ones = 0xFFFFFFFF;
    if (t.miso_bits < 32) ones &= (1u << t.miso_bits) - 1;
    return ones;
  }
  return spi_nor_.transact(t, cfg_.jedec_id, flash_.size());
}

// WRITE_REG: each entry's delay, then its write, in order.
void Device::write_regs(const cmd::WriteReg& req) {
  for (const auto& e : req.entries) {
    now_ += SimTime(e.delay_us) * 1000 * (cfg_.uart_timing ? 1 : 0);
    write_register(e.addr, e.value, e.mask);
  }
}

void Device::write_ram(std::uint32_t addr, std::span<const std::uint8_t> bytes) {
  // RAM is kept as the little-endian words READ_REG reads (the loaders'
  // MEM_DATA copies the block to its address: esptool loader.py mem_block),
  // so what load_ram put there can be dumped back with dump_mem.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::uint32_t at = addr + std::uint32_t(i), word = at & ~3u, shift = (at & 3u) * 8;
    std::uint32_t& w = regs_[word];
    w = (w & ~(0xFFu << shift)) | (std::uint32_t(bytes[i]) << shift);
  }
}

cmd::SecurityInfo Device::security_info() const {
  // Fact sheet 2.1 (S3 and later, 20 bytes): u32 flags, u8 flash_crypt_cnt,
  // 7 x u8 key purposes, u32 chip id, u32 API version. A chip whose row has
  // no security chip id answers the first 12 bytes only, as the ESP32-S2
  // ROM does (loader.py get_security_info's fallback). Flags: only
  // SECURE_DOWNLOAD_ENABLE (bit 2) when the mode is on; no secure boot, key
  // purposes all 0 (unused). The crypt count is the row's
  // SPI_BOOT_CRYPT_CNT eFuse (espsim --efuse), as the ROM reports it. The
  // API version the real S3 ROM reports is UNVERIFIED: 0 here.
  cmd::SecurityInfo si;
  si.flags = cfg_.secure_download_mode ? cmd::SecurityInfo::kSecureDownloadEnable : 0u;
  if (auto crypt_cnt = chip_.field("SPI_BOOT_CRYPT_CNT"))
    si.flash_crypt_cnt = std::uint8_t(FieldReader([this](std::uint32_t a) { return read_register(a); })(*crypt_cnt));
  if (chip_.security_chip_id) {
    si.chip_id = *chip_.security_chip_id;
    si.api_version = 0;
  }
  return si;
}

}  // namespace espbak::sim

namespace espbak::sim {

// The RTC watchdog esptool's --after watchdog_reset arms (ChipInfo::
// rtc_watchdog, cited in the chip files). CONFIG0's enable bit written while
// WPROTECT holds the key starts stage 0, whose timeout is CONFIG1's count of
// RTC slow-clock cycles; the chip then resets into a normal boot (the
// strapping pins are high: nothing holds GPIO0 low after the session). The
// slow clock's rate is the RC oscillator's nominal ~136 kHz on the later
// chips (UNVERIFIED per chip; esptool only waits 0.5 s), so esptool's 2000
// cycles are about 15 ms: time for the host's lock write to be answered.
// esptool's disable_watchdogs (CONFIG0 = 0) leaves it disarmed.
namespace {
constexpr std::uint64_t kRtcSlowClockHz = 136'000;
}  // namespace

void Device::watch_watchdog(std::uint32_t addr, std::uint32_t value) {
  // disable_watchdogs' CONFIG0 = 0, at the register esptool disables over
  // USB-Serial/JTAG: on the ESP32-H4 that is TIMG0's watchdog, and the H2 and
  // H4 have no watchdog_reset row at all.
  const auto& jtag = chip_.usb ? chip_.usb->jtag_watchdogs : std::nullopt;
  if (jtag && addr == jtag->wdt_config0 && !(value & RtcWatchdog::kEnableBit)) {
    wdt_fire_at_ = kNever;
    return;
  }
  if (!chip_.rtc_watchdog) return;
  const RtcWatchdog& wdt = *chip_.rtc_watchdog;
  if (addr != wdt.config0) return;
  if (!(value & RtcWatchdog::kEnableBit)) {
    wdt_fire_at_ = kNever;
    return;
  }
  if (read_register(wdt.wprotect) != wdt.key) return;  // write-protected: the write is ignored
  std::uint64_t cycles = read_register(wdt.config1);
  wdt_fire_at_ = now_ + SimTime(cycles * 1'000'000'000ull / kRtcSlowClockHz);
}

void Device::watchdog_fires() {
  // The chip resets: the loader (ROM or stub) is gone, and the register
  // image is back at power-on. The board boots it from flash (board.cpp).
  // What was already sent stays on the wire.
  SimTime at = now_;
  mode_ = Mode::app;
  wdt_fire_at_ = kNever;
  rom_frames_.clear();
  rearm_stub_receiver();
  read_.reset();
  init_registers();
  ++self_resets_;
  self_reset_at_ = at;
  note_usb_reset(at, true);  // a system reset
}

}  // namespace espbak::sim
