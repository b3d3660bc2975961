#include "sim_transport.hpp"

#include <algorithm>

#include "espbak/protocol/slip.hpp"
#include "espbak/util/error.hpp"

namespace espbak::testing {

namespace {

sim::DeviceConfig device_config(const SimChipConfig& c) {
  sim::DeviceConfig d;
  d.chip = c.chip;
  d.mac = c.chip->sim.default_mac;
  auto capacity = capacity_code_for_size(c.flash_size);
  d.jedec_id = 0xEF | 0x40u << 8 | std::uint32_t(capacity.value_or(0x16)) << 16;  // Winbond W25Qxx, as espsim
  d.uart_timing = c.realistic;
  d.timings = c.realistic ? sim::FlashTimings::realistic() : sim::FlashTimings::instant();
  d.chip_revision = c.chip_revision;
  d.xtal_hz = c.xtal_mhz * 1'000'000;
  d.download_path = c.download_path;
  d.usb_jtag_rtc_wdt = c.usb_jtag_rtc_wdt;
  return d;
}

sim::LinkConfig link_config(const SimChipConfig& c) {
  sim::LinkConfig l;
  l.realistic = c.realistic;
  l.latency = c.latency;
  l.faults = c.faults;
  l.bridge = c.bridge;
  l.usb_reenumeration = c.usb_reenumeration;
  return l;
}

}  // namespace

class SimTransport final : public Transport {
 public:
  SimTransport(SimChip& chip, std::string name, std::uint32_t baud)
      : chip_(chip), name_(std::move(name)), baud_(baud), connection_(++chip.connections_) {
    // The port's rate is known here, as through RFC 2217: the chip's UART
    // must really run at it (Link::set_host_baud).
    chip_.link_->set_host_baud(baud);
    chip_.link_->start(chip_.clock_.t());
  }

  std::size_t read(std::span<std::uint8_t> buf, std::chrono::milliseconds timeout) override {
    check_open();
    auto& clock = chip_.clock_;
    const sim::SimTime deadline = clock.t() + std::chrono::nanoseconds(timeout).count();
    for (;;) {
      collect(clock.t());
      if (!pending_.empty()) break;
      if (chip_.link_->closed()) throw Error(ErrorKind::port, name_ + ": connection closed by the chip's side");
      check_usb();
      const sim::SimTime next = chip_.link_->next_deadline();
      if (next == sim::kNever || next > deadline) {
        clock.advance_to(deadline);
        collect(clock.t());
        break;
      }
      clock.advance_to(next);
    }
    const std::size_t n = std::min(buf.size(), pending_.size());
    std::copy_n(pending_.begin(), n, buf.begin());
    pending_.erase(pending_.begin(), pending_.begin() + std::ptrdiff_t(n));
    return n;
  }

  void write(std::span<const std::uint8_t> data) override {
    check_open();
    collect(chip_.clock_.t());
    check_usb();
    record_commands(data);
    chip_.link_->from_host(chip_.clock_.t(), data);
  }

  void flush_input() override {
    collect(chip_.clock_.t());
    pending_.clear();
  }

  void set_baud(std::uint32_t baud) override {
    baud_ = baud;
    chip_.link_->set_host_baud(baud);
  }
  std::uint32_t baud() const override { return baud_; }
  bool set_dtr(bool) override { return false; }
  bool set_rts(bool) override { return false; }
  bool has_modem_lines() const override { return false; }
  std::string name() const override { return name_; }
  std::optional<UsbId> usb_id() const override { return chip_.cfg_.port_usb_id; }
  std::string usb_serial_number() const override { return chip_.cfg_.port_usb_serial; }
  Clock& clock() override { return chip_.clock_; }

 private:
  void check_open() const {
    // A later open() started a new connection: this one is gone.
    if (connection_ != chip_.connections_) throw Error(ErrorKind::port, name_ + ": connection replaced");
  }
  void check_usb() const {
    // The chip's USB device left the bus: the tty is gone (EIO on a real one).
    if (chip_.link_->usb_gone()) throw Error(ErrorKind::port, "lost " + name_ + ": device disconnected");
  }
  void collect(sim::SimTime t) {
    chip_.link_->pump(t);
    auto out = chip_.link_->to_host(t);
    pending_.insert(pending_.end(), out.begin(), out.end());
  }
  void record_commands(std::span<const std::uint8_t> data) {
    std::vector<Bytes> frames;
    decoder_.feed(data, frames);
    for (const auto& f : frames)
      if (auto c = decode_command(f)) chip_.commands_.push_back(std::move(*c));
  }

  SimChip& chip_;
  std::string name_;
  std::uint32_t baud_;
  int connection_;
  std::vector<std::uint8_t> pending_;
  slip::Decoder decoder_{0x10000 + 64, 0};
};

SimChip::SimChip(SimChipConfig config) : cfg_(std::move(config)) {
  flash_ = std::make_unique<sim::FlashModel>(cfg_.flash_size);
  device_ = std::make_unique<sim::Device>(device_config(cfg_), *flash_);
  link_ = std::make_unique<sim::Link>(*device_, link_config(cfg_));
}

std::unique_ptr<Transport> SimChip::open(const std::string& port, std::uint32_t baud) {
  if (connections_ > 0) {
    link_->pump(clock_.t());  // the chip runs on while no host is there
    if (link_->usb_gone() && clock_.t() < device_->usb_disconnect_at() + cfg_.usb_reenumeration) {
      ++refused_opens_;
      throw Error(ErrorKind::port, "cannot open " + port + ": no such file or directory");
    }
  }
  return std::make_unique<SimTransport>(*this, port, baud);
}

namespace {

// (address, length): the first two words of these requests.
std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges_of(const std::vector<Command>& commands, Op op) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& c : commands)
    if (c.op == std::uint8_t(op) && c.data.size() >= 8) out.emplace_back(get_u32(c.data, 0), get_u32(c.data, 4));
  return out;
}

}  // namespace

std::vector<std::pair<std::uint32_t, std::uint32_t>> SimChip::md5_requests() const {
  return ranges_of(commands_, Op::spi_flash_md5);
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> SimChip::read_requests() const {
  return ranges_of(commands_, Op::read_flash);
}

}  // namespace espbak::testing
