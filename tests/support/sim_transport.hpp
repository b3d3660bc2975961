#pragma once
// An in-process simulated chip: espsim's Device, flash and Link model behind
// a Transport, on virtual time. No TCP, no process, no real waiting: a read
// runs the simulation up to the moment a byte reaches the host (or the
// timeout passes on the virtual clock), and every Clock::sleep advances that
// clock. Host code (Loader, Session, the planners) runs unchanged on it, so
// decisions taken from timing are exact and independent of machine load.
// Like espsim's socket:// endpoint, it has no modem lines, and every port
// opened on it is a new connection to a freshly reset chip.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "espbak/link/transport.hpp"
#include "espbak/protocol/packet.hpp"
#include "espbak/sim/device.hpp"
#include "espbak/sim/flash_model.hpp"
#include "espbak/sim/link.hpp"

namespace espbak::testing {

// Virtual time, in nanoseconds since the simulation started.
class VirtualClock final : public Clock {
 public:
  Duration now() const override { return Duration(t_); }
  void sleep(Duration d) override {
    if (d > Duration::zero()) t_ += d.count();
  }
  sim::SimTime t() const { return t_; }
  void advance_to(sim::SimTime t) { t_ = std::max(t_, t); }

 private:
  sim::SimTime t_ = 0;
};

struct SimChipConfig {
  const ChipInfo* chip = nullptr;
  std::uint32_t flash_size = 4u << 20;
  bool realistic = false;        // espsim --link realistic: UART timing, flash timings, latency
  sim::SimTime latency = 0;      // per direction (realistic)
  sim::FaultPlan faults;
  std::optional<sim::BridgeModel> bridge;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> chip_revision;  // espsim --chip-revision
  std::uint32_t xtal_mhz = 0;  // espsim --crystal; 0: the chip file's
  sim::DownloadPath download_path = sim::DownloadPath::uart;  // espsim --usb-otg / --usb-jtag-serial
  sim::SimTime usb_jtag_rtc_wdt = 0;                           // espsim --usb-jtag-wdt-ms
  sim::SimTime usb_reenumeration = 500 * sim::kMs;             // espsim --usb-reenumerate-ms
  // What the port reports as its USB device (Transport::usb_id,
  // usb_serial_number); none by default, like a pty.
  std::optional<UsbId> port_usb_id;
  std::string port_usb_serial;
};

// One simulated board: what an espsim process holds.
class SimChip {
 public:
  explicit SimChip(SimChipConfig config);
  sim::FlashModel& flash() { return *flash_; }
  const sim::Device& device() const { return *device_; }
  VirtualClock& clock() { return clock_; }
  // Opens a new connection (the chip is reset into download mode). While
  // the chip's USB device is off the bus (a reset over --usb-otg, a system
  // reset over --usb-jtag-serial; sim::usb_reenumerates), the port does not
  // exist: Error(port), as espsim's pty path is missing then.
  std::unique_ptr<Transport> open(const std::string& port, std::uint32_t baud);
  // Ports refused by open() because the USB device was away.
  int refused_opens() const { return refused_opens_; }
  // Every command frame the host sent, decoded, in order (acknowledgements
  // and other non-command frames are left out).
  const std::vector<Command>& commands() const { return commands_; }
  void clear_commands() { commands_.clear(); }
  // The SPI_FLASH_MD5 / READ_FLASH requests sent: (address, length) in order.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> md5_requests() const;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> read_requests() const;

 private:
  friend class SimTransport;
  SimChipConfig cfg_;
  std::unique_ptr<sim::FlashModel> flash_;
  std::unique_ptr<sim::Device> device_;
  std::unique_ptr<sim::Link> link_;
  VirtualClock clock_;
  std::vector<Command> commands_;
  int connections_ = 0;
  int refused_opens_ = 0;
};

}  // namespace espbak::testing
