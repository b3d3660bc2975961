#pragma once
// How long the host waits for the loader's replies: esptool v5.3.1's timeout
// constants (loader.py, top of the file) as one runtime value. Every typed
// command's timeout rule (protocol/commands.hpp) takes it, and the Loader
// carries one (Loader::set_tuning), so esptool's configuration file
// (cli/config_file.hpp: timeout, sync_timeout, md5_timeout_per_mb, ...) can
// change them without global state. The defaults are esptool's, exactly.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace espbak::cmd {

using std::chrono::milliseconds;

struct Timeouts {
  // DEFAULT_TIMEOUT ("timeout", 3 s): most replies, and the floor of the
  // per-MB rules.
  milliseconds standard{3000};
  // CHIP_ERASE_TIMEOUT ("chip_erase_timeout", 120 s): ERASE_FLASH.
  milliseconds chip_erase{120000};
  // MAX_TIMEOUT ("max_timeout"): the cap on any wait (loader.py command():
  // min(timeout, MAX_TIMEOUT)). esptool's default is 2 x CHIP_ERASE_TIMEOUT,
  // taken from the configured chip_erase_timeout when max_timeout is not set
  // (config_file.cpp does that).
  milliseconds max{240000};
  // SYNC_TIMEOUT ("sync_timeout", 0.1 s): the first reply to SYNC.
  milliseconds sync{100};
  // MD5_TIMEOUT_PER_MB, ERASE_REGION_TIMEOUT_PER_MB,
  // ERASE_WRITE_TIMEOUT_PER_MB (8, 30, 40 s per 10^6 bytes).
  double md5_seconds_per_mb = 8;
  double erase_region_seconds_per_mb = 30;
  double erase_write_seconds_per_mb = 40;
  // MEM_END_ROM_TIMEOUT ("mem_end_rom_timeout", 0.2 s): MEM_END to a ROM,
  // whose reply the code it starts may cut off.
  milliseconds mem_end_rom{200};
  // DEFAULT_SERIAL_WRITE_TIMEOUT ("serial_write_timeout", 10 s): how long a
  // write may block on a full port (Transport::set_write_timeout).
  milliseconds serial_write{10000};

  // loader.py timeout_per_mb: max(DEFAULT_TIMEOUT, seconds_per_mb * bytes /
  // 1e6) ("MB" is 10^6 bytes there). Not capped here: the loader caps every
  // wait at `max`, as esptool's command() does.
  milliseconds per_mb(double seconds_per_mb, std::uint64_t bytes) const {
    auto ms = milliseconds(static_cast<std::int64_t>(seconds_per_mb * double(bytes) / 1e6 * 1000.0));
    return std::max(ms, standard);
  }
  milliseconds capped(milliseconds t) const { return std::min(t, max); }
  bool operator==(const Timeouts&) const = default;
};

}  // namespace espbak::cmd
