#pragma once
// One conversation with a chip, as esptool's main() runs it: open the port,
// connect, describe the chip, start the stub, raise the baud rate, set up the
// flash, and at the end leave the chip as --after asks.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "espbak/link/discovery.hpp"
#include "espbak/link/reset/modes.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/ops/report.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

constexpr std::uint32_t kRomBaud = 115200;  // esptool ESP_ROM_BAUD

struct SessionOptions {
  // The port to use; empty: discover one (ESPBAK_PORTS list, else the OS's
  // serial ports), trying each until a chip answers.
  std::string port;
  std::string port_list;                  // ESPBAK_PORTS
  std::vector<std::string> port_filters;  // --port-filter
  int discovery_attempts = 0;             // per candidate; 0: one pass over the reset cycle
  // `port` is one of discovery's candidates (--all-ports): connect with
  // discovery's budget (discovery_attempts, else one pass), not
  // connect_attempts, so a port without a chip costs seconds.
  bool candidate = false;
  std::optional<ResetSequence> custom_reset, custom_hard_reset;
  std::uint32_t baud = kRomBaud;
  // -b auto: after the stub starts, the fastest rate a verified probe
  // passes at (choose_baud); `baud` then holds the rate in use.
  bool auto_baud = false;
  const ChipInfo* chip = nullptr;  // nullptr: detect
  BeforeReset before = BeforeReset::default_reset;
  AfterReset after = AfterReset::hard_reset;
  bool no_stub = false;
  bool trace = false;
  // Where --trace lines go; empty: stderr.
  std::function<void(const std::string& line)> trace_sink;
  int connect_attempts = 7;
  // esptool's open_port_attempts (ESPTOOL_OPEN_PORT_ATTEMPTS, espbak also
  // --open-port-attempts): open and connect up to this many times, 0 for
  // ever, 0.1 s apart, for a board that is still being plugged in. Only
  // with a port and a chip given; 1: one try.
  int open_port_attempts = 1;
  bool early_read_ack = true;  // Loader::set_early_read_ack; ESPBAK_READ_ACK=late turns it off
  LoaderTuning tuning;         // esptool's config file: timeouts, write_block_attempts, reset_delay
  // How a port is opened (default: open_transport). Tests open an
  // in-process simulated chip instead, whose transports all run on `clock`.
  std::function<std::unique_ptr<Transport>(const std::string& port, std::uint32_t baud)> open_port;
  Clock* clock = nullptr;  // the clock of open_port's transports; nullptr: the machine's
  // The OS's serial ports (default enumerate_serial_ports): discovery's
  // candidates, and where a USB port that came back under another name is
  // looked for (reopen_link). Tests list their own.
  std::function<std::vector<PortInfo>()> enumerate_ports;
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
  // finish() after an Interrupted, where the link still works: the chip may
  // be in the middle of a command (a READ_FLASH stream, a FLASH_DATA
  // sequence), so a mode that sends commands re-syncs first. Never throws;
  // returns what became of the chip ("the chip was reset (--after
  // hard_reset)", or why --after was not carried out).
  std::string finish_after_interrupt();

  // Secure Download Mode (ESP32-S2 and later, fact sheet 2.1): the ROM
  // accepts only flash writes, region erases (FLASH_BEGIN) and
  // GET_SECURITY_INFO. Commands that need anything else call this first:
  // Error(unsupported) naming `command`, the chip and what the mode allows
  // (plus `detail`), before anything is sent. No-op outside the mode.
  bool secure_download_mode() const { return loader_->secure_download_mode(); }
  void refuse_in_secure_download_mode(const std::string& command, const std::string& detail = {}) const;

  // ---- surviving a bad link (src/ops/recovery.cpp, docs/exit-codes.md) ----
  // Attempts per unit of work (a read chunk, a region write, a query).
  static constexpr int kUnitAttempts = 3;
  // Errors a bad link can cause (timeout, garbled or missing reply, lost
  // stream, MD5 mismatch of data read, link gone), as opposed to answers and
  // user errors.
  static bool recoverable(const Error& e);
  // Runs `unit`, a piece of work that may be repeated; after a recoverable
  // failure brings the chip back (recover()) and runs it again, at most
  // kUnitAttempts times in all. The last failure is rethrown, its message
  // saying how many attempts were made.
  // `device_unsupported_is_noise`: a ROM answers a garbled command with the
  // same "invalid message" status it gives an unknown one, so inside a unit
  // that sends only commands the chip has, "unsupported" means garbled.
  template <class Unit>
  auto with_recovery(const std::string& what, Unit&& unit, bool device_unsupported_is_noise = true)
      -> decltype(unit()) {
    for (int attempt = 1;; ++attempt) {
      try {
        return unit();
      } catch (const Error& e) {
        if (!recoverable(e) && !(device_unsupported_is_noise && e.kind() == ErrorKind::unsupported)) throw;
        if (attempt >= kUnitAttempts) throw gave_up(e, what, attempt);
        recover(e, what, attempt);
      }
    }
  }
  // Brings the chip back after `cause` (attempt `attempt` of `what` failed):
  // reopens the port if the link is gone, re-syncs (a stub that still runs
  // answers SYNC with 0; a chip that was reset answers from the ROM and gets
  // the stub again), restores the baud rate and the flash settings. Throws
  // when the chip cannot be brought back.
  // `announce`: the warning line saying what failed (off where the caller
  // says it in its own words, as -b auto's probing does).
  void recover(const Error& cause, const std::string& what, int attempt, bool announce = true);
  static Error gave_up(const Error& last, const std::string& what, int attempts);
  int recoveries() const { return recoveries_; }

  Loader& loader() { return *loader_; }
  // The link's current baud rate (after any change).
  std::uint32_t baud() const;
  const ChipInfo& chip() const { return loader_->chip(); }
  // The MAC read while connecting; nullopt in Secure Download Mode.
  const std::optional<Mac>& mac() const { return mac_; }
  // What connect() printed after "Chip is" (empty in Secure Download Mode,
  // where it is not read); for backup manifests.
  const std::string& chip_description() const { return description_; }
  bool stub() const { return loader_->stub_running(); }
  // Whether espbak has a flasher stub for the part (a row without a
  // stub_name has none: the ESP32-H21; nor has an ESP32-C2 v0.0), so the
  // session uploads one unless --no-stub or Secure Download Mode says
  // otherwise. Decided at connect.
  bool stub_available() const { return no_stub_reason_.empty(); }
  bool stub_wanted() const { return !options_.no_stub && stub_available() && !loader_->secure_download_mode(); }
  // For an error of a command that needs the stub: "run without --no-stub",
  // or that espbak has no stub for the chip.
  std::string stub_advice() const;
  Reporter& report() { return report_; }
  // The clock every timed decision of the flash commands reads: the open
  // link's; between links (a reopen) options().clock, else the machine's.
  Clock& clock() const {
    if (link_) return link_->clock();
    return options_.clock ? *options_.clock : steady_clock();
  }
  const SessionOptions& options() const { return options_; }

 private:
  std::uint32_t initial_baud() const;
  void connect_with_open_retries();
  void connect_to(const std::string& port, int attempts);
  void discover();

  SessionOptions options_;
  Reporter& report_;
  std::unique_ptr<Transport> link_;
  std::unique_ptr<Loader> loader_;
  std::string description_;  // connect()'s "Chip is"
  std::string no_stub_reason_;  // why the part gets no stub (empty: it gets one)
  std::optional<Mac> mac_;
  bool flash_id_known_ = false;
  std::uint32_t flash_id_ = 0;
  // What recover() sets up again on a chip that was reset.
  bool flash_attached_ = false;
  std::optional<std::uint32_t> configured_flash_size_;
  int recoveries_ = 0;
  const ChipInfo* recovering_chip_ = nullptr;  // the chip found by connect(), for re-syncs
  void reopen_link();
  // The USB device behind the port in use (VID:PID and serial number), when
  // the OS names one: the same device under a new name is the same board.
  struct UsbIdentity {
    UsbId usb;
    std::string serial_number;
  };
  std::optional<UsbIdentity> usb_identity_;
  // reopen_link: the device found under another port name and connected; false: not there.
  bool reopen_renamed_port();
  std::vector<PortInfo> system_ports() const;
  void resync();
  // -b auto: tries rates from high to low, each proven by a verified read.
  void choose_baud();
  void probe_link();
  // Moves the ROM to the transfer rate before the stub upload where the ROM
  // can change rate; whether the link is now at that rate.
  bool raise_rom_baud_for_upload(std::uint32_t initial_baud);
  // -b auto: the rate the stub is uploaded at before the probing starts.
  static constexpr std::uint32_t kAutoUploadBaud = 921'600;
};

}  // namespace espbak
