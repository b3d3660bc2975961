#include "espbak/ops/session.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

std::string normalise_choice(std::string text) {
  // esptool v5 spells choices with dashes, v4 with underscores: accept both.
  for (auto& c : text) {
    c = char(std::tolower(static_cast<unsigned char>(c)));
    if (c == '-') c = '_';
  }
  return text;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

}  // namespace

std::optional<BeforeReset> parse_before(std::string text) {
  text = normalise_choice(std::move(text));
  if (text == "default_reset") return BeforeReset::default_reset;
  if (text == "usb_reset") return BeforeReset::usb_reset;
  if (text == "no_reset") return BeforeReset::no_reset;
  if (text == "no_reset_no_sync") return BeforeReset::no_reset_no_sync;
  return std::nullopt;
}

std::optional<AfterReset> parse_after(std::string text) {
  text = normalise_choice(std::move(text));
  if (text == "hard_reset") return AfterReset::hard_reset;
  if (text == "soft_reset") return AfterReset::soft_reset;
  if (text == "no_reset") return AfterReset::no_reset;
  if (text == "no_reset_stub") return AfterReset::no_reset_stub;
  return std::nullopt;
}

Session::Session(SessionOptions options, Reporter& report) : options_(std::move(options)), report_(report) {}

Session::~Session() = default;

void Session::connect() {
  // esptool main(): never sync faster than the ROM's default rate, unless
  // there is no sync at all (the chip is assumed to listen at --baud).
  const std::uint32_t initial_baud =
      options_.before == BeforeReset::no_reset_no_sync ? options_.baud : std::min(kRomBaud, options_.baud);
  report_.info("Serial port " + options_.port);
  report_.json().set("port", options_.port);
  link_ = open_transport(options_.port, initial_baud);
  loader_ = std::make_unique<Loader>(*link_);
  loader_->set_trace(options_.trace);

  report_.info("Connecting...");
  ConnectOptions co;
  co.before = options_.before;
  co.attempts = options_.connect_attempts;
  co.expected_chip = options_.chip;
  loader_->connect(co);
  const ChipInfo& c = loader_->chip();
  if (!options_.chip) report_.info(fmt::format("Detecting chip type... {}", c.name));

  JsonObject chip_json;
  chip_json.set("name", std::string(c.name));
  if (loader_->secure_download_mode()) {
    report_.info(fmt::format("Chip is {} in Secure Download Mode", c.name));
    chip_json.set("secure_download_mode", true);
  } else {
    std::string description = loader_->chip_description();
    std::vector<std::string> features = loader_->chip_features();
    std::uint32_t xtal = loader_->crystal_mhz();
    std::string mac = format_mac(loader_->mac());
    report_.info("Chip is " + description);
    report_.info("Features: " + join(features, ", "));
    report_.info(fmt::format("Crystal is {}MHz", xtal));
    report_.info("MAC: " + mac);
    chip_json.set("description", description);
    chip_json.set_strings("features", features);
    chip_json.set("crystal_mhz", xtal);
    chip_json.set("mac", mac);
  }
  report_.json().set("chip", chip_json);

  bool want_stub = !options_.no_stub;
  if (want_stub && loader_->secure_download_mode()) {
    report_.warning("Stub loader is not supported in Secure Download Mode, setting --no-stub");
    want_stub = false;
  }
  if (want_stub && !loader_->stub_running()) {
    report_.info("Uploading stub...");
    loader_->run_stub();
    report_.info("Running stub...");
    report_.info("Stub running...");
  }
  report_.json().set("stub", loader_->stub_running());

  if (options_.baud > initial_baud) {
    try {
      report_.info(fmt::format("Changing baud rate to {}", options_.baud));
      loader_->change_baud(options_.baud);
      report_.info("Changed.");
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::unsupported) throw;
      report_.warning(fmt::format("ROM doesn't support changing baud rate. Keeping initial baud rate {}", initial_baud));
    }
  }
}

void Session::attach_flash() {
  if (loader_->stub_running()) return;  // esptool attach_flash(): ROM only
  report_.info("Enabling default SPI flash mode...");
  loader_->spi_attach();
}

void Session::configure_flash_size(std::uint32_t size) {
  report_.info("Configuring flash size...");
  // The ESP8266 ROM has no SPI_SET_PARAMS (esptool skips it there).
  if (loader_->stub_running() || loader_->chip().rom.spi_set_params) loader_->spi_set_params(size);
}

std::uint32_t Session::flash_id() {
  if (!flash_id_known_) {
    flash_id_ = loader_->flash_id();
    flash_id_known_ = true;
  }
  return flash_id_;
}

std::optional<std::uint32_t> Session::detected_flash_size() {
  if (loader_->secure_download_mode()) return std::nullopt;
  return flash_size_from_id(flash_id());
}

std::uint32_t Session::require_flash_size() {
  auto size = detected_flash_size();
  if (!size)
    throw Error(ErrorKind::device,
                fmt::format("Detecting flash size failed (flash ID {:#08x}). Set an exact size value.", flash_id()));
  return *size;
}

void Session::finish() {
  switch (options_.after) {
    case AfterReset::hard_reset:
      report_.info("Leaving...");
      report_.info("Hard resetting via RTS pin...");
      break;
    case AfterReset::soft_reset:
      report_.info("Soft resetting...");
      break;
    case AfterReset::no_reset:
      report_.info("Staying in bootloader.");
      break;
    case AfterReset::no_reset_stub:
      report_.info("Staying in flasher stub.");
      break;
  }
  loader_->finish(options_.after);
}

}  // namespace espbak
