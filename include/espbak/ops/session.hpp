#pragma once
// One conversation with a chip, as esptool's main() runs it: open the port,
// connect, describe the chip, start the stub, raise the baud rate, set up the
// flash, and at the end leave the chip as --after asks.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "espbak/loader/loader.hpp"
#include "espbak/ops/report.hpp"

namespace espbak {

constexpr std::uint32_t kRomBaud = 115200;  // esptool ESP_ROM_BAUD

struct SessionOptions {
  std::string port;
  std::uint32_t baud = kRomBaud;
  const ChipInfo* chip = nullptr;  // nullptr: detect
  BeforeReset before = BeforeReset::default_reset;
  AfterReset after = AfterReset::hard_reset;
  bool no_stub = false;
  bool trace = false;
  int connect_attempts = 7;
};

class Session {
 public:
  Session(SessionOptions options, Reporter& report);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Opens the port and runs the connect flow up to (and including) the baud
  // change. Prints what esptool v4 prints (Chip is / Features / Crystal / MAC).
  void connect();

  // Flash commands: SPI attach, only when talking to a ROM (esptool
  // attach_flash); the stub attaches by itself.
  void attach_flash();
  // SPI_SET_PARAMS with this total size ("Configuring flash size..."),
  // where the loader in charge has the command.
  void configure_flash_size(std::uint32_t size);

  // RDID (cached) and the flash size it encodes; nullopt when unknown.
  std::uint32_t flash_id();
  std::optional<std::uint32_t> detected_flash_size();
  // Detected size or Error(device) telling the user to give a size.
  std::uint32_t require_flash_size();

  // Leaves the chip per --after and prints what esptool prints.
  void finish();

  Loader& loader() { return *loader_; }
  const ChipInfo& chip() const { return loader_->chip(); }
  bool stub() const { return loader_->stub_running(); }
  Reporter& report() { return report_; }
  const SessionOptions& options() const { return options_; }

 private:
  SessionOptions options_;
  Reporter& report_;
  std::unique_ptr<Transport> link_;
  std::unique_ptr<Loader> loader_;
  bool flash_id_known_ = false;
  std::uint32_t flash_id_ = 0;
};

// Parses "default_reset" / "default-reset" etc.; nullopt if unknown.
std::optional<BeforeReset> parse_before(std::string text);
std::optional<AfterReset> parse_after(std::string text);

}  // namespace espbak
