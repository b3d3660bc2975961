#pragma once
// Fault injection on espsim's wire (docs/espsim.md "Faults"). A FaultPlan is
// parsed from `--fault` options; a FaultInjector applies it to the bytes one
// connection carries, byte by byte, so the same seed and the same host
// behaviour give the same faults. Pure logic: no clocks, no sockets. The Link
// (link.hpp) asks it what to do with each byte.
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "espbak/chips/chip.hpp"

namespace espbak::sim {

enum class FaultDirection { to_host, to_device };

struct FaultSpec {
  enum class Kind { drop, corrupt, noise, stray, stall, reset, close } kind = Kind::drop;
  FaultDirection direction = FaultDirection::to_host;
  double rate = 0;              // drop / corrupt: probability per byte; noise / stray: per frame
  std::uint64_t offset = 0;     // stall / reset / close: byte offset in `direction` on this connection
  std::uint32_t stall_ms = 0;   // stall
};

// "drop:0.001", "corrupt:1e-4:to-device", "stall:5000:800", "reset:70000",
// "close:100000", "noise:0.5", "stray:0.1". Returns nullopt and sets *error on bad text.
std::optional<FaultSpec> parse_fault(std::string_view text, std::string* error);
std::string describe(const FaultSpec& f);

struct FaultPlan {
  std::vector<FaultSpec> faults;
  std::uint64_t seed = 1;
  bool empty() const { return faults.empty(); }
};

// What the injector decided for one byte.
struct ByteFate {
  bool drop = false;
  std::uint8_t byte = 0;          // the byte to send (maybe corrupted)
  std::uint32_t stall_ms = 0;     // delay this byte and every later one by this much
  bool reset_before = false;      // reset the chip before this byte (the byte is lost)
  bool close_before = false;      // the connection ends before this byte
  std::vector<std::uint8_t> insert_before;  // noise to send before this byte
};

class FaultInjector {
 public:
  explicit FaultInjector(FaultPlan plan = {});

  // A new connection: byte counters restart, and the random stream is
  // derived from (seed, connection number) so retries on a new connection do
  // not meet the very same faults.
  void start_connection();
  std::uint64_t connection() const { return connection_; }

  // The fate of the next byte travelling in `dir`.
  ByteFate next(FaultDirection dir, std::uint8_t byte);

  bool active() const { return !plan_.empty(); }
  bool closed() const { return closed_; }
  // How many faults fired on this connection (for the log line and tests).
  std::uint64_t fired() const { return fired_; }
  std::uint64_t bytes(FaultDirection dir) const { return count_[index(dir)]; }

 private:
  static int index(FaultDirection d) { return d == FaultDirection::to_host ? 0 : 1; }
  FaultPlan plan_;
  std::mt19937_64 rng_;
  std::uint64_t connection_ = 0;
  std::uint64_t count_[2] = {0, 0};
  bool between_frames_[2] = {true, true};  // SLIP position, for noise between frames
  bool closed_ = false;
  std::uint64_t fired_ = 0;
};

// What a chip's ROM prints when it comes out of reset into download mode
// (fact sheet section 7). The ESP8266 prints at 74880 baud; the host, at
// 115200 or more, sees it as garbage, which is what this text is on the wire.
std::string rom_boot_banner(ChipId chip);

}  // namespace espbak::sim
