#pragma once
// The ESP serial loader, host side: one method per bootloader command, knowing
// the differences between the ROM and the flasher stub (status bytes, block
// sizes, MD5 form, which commands exist). No files, no CLI: ops/ builds on it.
// Protocol facts: ../shared/docs/protocol-facts.md.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "espbak/chips/chip.hpp"
#include "espbak/link/transport.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/protocol/slip.hpp"
#include "espbak/util/md5.hpp"

namespace espbak {

enum class BeforeReset { default_reset, usb_reset, no_reset, no_reset_no_sync };
enum class AfterReset { hard_reset, soft_reset, no_reset, no_reset_stub };

struct ConnectOptions {
  BeforeReset before = BeforeReset::default_reset;
  int attempts = 7;                        // --connect-attempts; <= 0: forever
  const ChipInfo* expected_chip = nullptr;  // --chip (nullptr = auto)
};

// Called with (bytes done, bytes total) during long transfers.
using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

class Loader {
 public:
  explicit Loader(Transport& link);

  // Packet trace: every packet written/read as a hex dump on stderr.
  void set_trace(bool on) { trace_ = on; }

  // Reset into the bootloader (per opts.before), SYNC with esptool's retry
  // behaviour, detect the chip (GET_SECURITY_INFO then magic register), and
  // check it against opts.expected_chip. Throws Error(connect) with what was
  // tried and what to do, or Error(usage) naming both chips on a mismatch.
  void connect(const ConnectOptions& opts);

  const ChipInfo& chip() const;
  bool stub_running() const { return stub_; }
  bool secure_download_mode() const { return sdm_; }

  // Raw commands. command() sends one packet and returns the matching
  // response (esptool's matching rules); check() also verifies the status
  // (`result_len` bytes of result before the two status bytes) and throws
  // Error(device) / Error(unsupported) naming the command on failure.
  Response command(Op op, std::span<const std::uint8_t> data, std::uint32_t chk = 0,
                   std::chrono::milliseconds timeout = std::chrono::seconds(3));
  Bytes check(Op op, std::span<const std::uint8_t> data, std::size_t result_len = 0, std::uint32_t chk = 0,
              std::chrono::milliseconds timeout = std::chrono::seconds(3));

  std::uint32_t read_reg(std::uint32_t addr);
  void write_reg(std::uint32_t addr, std::uint32_t value, std::uint32_t mask = 0xFFFFFFFF,
                 std::uint32_t delay_us = 0);
  RegReader reg_reader();

  // Chip information (decoded through the chip row).
  std::string chip_description();
  std::vector<std::string> chip_features();
  std::array<std::uint8_t, 6> mac();
  std::uint32_t crystal_mhz();

  // Flash access setup, as esptool does it after connecting.
  void spi_attach();                        // ROM: SPI_ATTACH or ESP8266's FLASH_BEGIN(0,0)
  void spi_set_params(std::uint32_t flash_size);
  std::uint32_t flash_id();                 // RDID through the SPI user-command registers
  std::optional<std::uint32_t> detect_flash_size();  // from flash_id()

  // Upload and start the flasher stub (no-op if one already answers).
  void run_stub();
  // Switch the link speed (CHANGE_BAUDRATE with ROM or stub semantics).
  // Throws Error(unsupported) where the ROM cannot.
  void change_baud(std::uint32_t baud);

  // Flash operations. Each picks the ROM or stub form.
  void erase_flash();                                             // stub only
  void erase_region(std::uint32_t offset, std::uint32_t size);    // stub only
  Md5::Digest flash_md5(std::uint32_t offset, std::uint32_t size);
  // Reads [offset, offset+size) into `out` (resized). Stub: streaming
  // READ_FLASH with flow control and final MD5 check; ESP32 ROM:
  // READ_FLASH_SLOW; ESP8266 ROM: Error(unsupported).
  void read_flash(std::uint32_t offset, std::uint32_t size, Bytes& out, const Progress& progress = {});
  // Writes `data` at `offset`. compress: FLASH_DEFL_* (stub or ESP32 ROM),
  // else FLASH_*. Does not verify; callers compare flash_md5 afterwards.
  void write_flash(std::uint32_t offset, std::span<const std::uint8_t> data, bool compress,
                   const Progress& progress = {});

  // Leave the chip as --after asks.
  void finish(AfterReset after);

 private:
  // implementation details are free
  Transport& link_;
  slip::Decoder decoder_;
  std::vector<Bytes> pending_frames_;
  const ChipInfo* chip_ = nullptr;
  bool stub_ = false;
  bool sdm_ = false;
  bool trace_ = false;
};

}  // namespace espbak
