#pragma once
// A Session on an in-process simulated ESP32 on virtual time
// (tests/support/sim_transport), shared by the virtual-time tests of the
// read survey and the other timing decisions, and of the USB re-enumeration
// tests.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "espbak/ops/commands.hpp"
#include "espbak/ops/session.hpp"
#include "sim_transport.hpp"

namespace espbak::testing {

using Requests = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

constexpr std::uint32_t k64K = 0x10000, k4K = 0x1000;

inline Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = std::uint8_t(rng());
  return b;
}

struct Rig {
  SimChip chip;
  NullReporter report;
  std::unique_ptr<Session> session;

  // `adjust`: a test's own changes to the options (port name, open_port,
  // ports listed); `reporter`: where the session reports, else `report`.
  explicit Rig(SimChipConfig cfg, std::uint32_t baud = 921600, bool auto_baud = false,
               const std::function<void(SessionOptions&)>& adjust = {}, Reporter* reporter = nullptr)
      : chip(std::move(cfg)) {
    SessionOptions o;
    o.port = "sim://chip";
    o.before = BeforeReset::no_reset;
    o.after = AfterReset::no_reset_stub;
    o.baud = baud;
    o.auto_baud = auto_baud;
    o.clock = &chip.clock();
    o.open_port = [this](const std::string& port, std::uint32_t b) { return chip.open(port, b); };
    if (adjust) adjust(o);
    session = std::make_unique<Session>(std::move(o), reporter ? *reporter : report);
  }
  Session& s() { return *session; }
};

inline SimChipConfig esp32_link(std::uint32_t flash_size, double latency_ms) {
  SimChipConfig c;
  c.chip = &chip(ChipId::esp32);
  c.flash_size = flash_size;
  c.realistic = true;
  c.latency = sim::SimTime(latency_ms * 1e6);
  return c;
}

inline std::filesystem::path temp_file(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / "espbak-virtual-time";
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  return p;
}

inline Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& p, const Bytes& b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

// The MD5 requests of a read of the whole flash after the connect flow
// (which sends none); `diff_with`: an earlier image's path.
inline Requests survey_of(Rig& rig, const std::filesystem::path& out, const std::string& diff_with = "") {
  rig.s().connect();
  rig.chip.clear_commands();
  ReadFlashArgs args;
  args.address = 0;
  args.file = out.string();
  args.diff_with = diff_with;
  cmd_read_flash(rig.s(), args);
  return rig.chip.md5_requests();
}

}  // namespace espbak::testing

// Requests print as (address, length) in hex when a comparison fails.
namespace Catch {
template <>
struct StringMaker<std::pair<std::uint32_t, std::uint32_t>> {
  static std::string convert(const std::pair<std::uint32_t, std::uint32_t>& r) {
    std::ostringstream o;
    o << std::hex << "(0x" << r.first << ", 0x" << r.second << ")";
    return o.str();
  }
};
}  // namespace Catch
