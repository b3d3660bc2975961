#pragma once
// The loader's tunables that esptool's configuration file sets (esptool
// v5.3.1 loader.py reads them from config.py's [esptool] section at import;
// cli/config_file.hpp fills one, the Session hands it to its Loader). The
// defaults are esptool's.
#include <chrono>
#include <optional>

#include "espbak/protocol/timeouts.hpp"

namespace espbak {

struct LoaderTuning {
  cmd::Timeouts timeouts;
  // WRITE_BLOCK_ATTEMPTS ("write_block_attempts"): how often one
  // FLASH_DATA / FLASH_DEFL_DATA block is sent before its failure ends the
  // write (loader.py flash_block, flash_defl_block). esptool sends MEM_DATA
  // once, and so does espbak. Below 1: sent once.
  int write_block_attempts = 3;
  // "reset_delay": when set, how long IO0 stays low after EN is released in
  // every built-in reset strategy, replacing both 0.05 s and 0.55 s
  // (loader.py _construct_reset_strategy_sequence; link/reset/cycle.hpp).
  std::optional<std::chrono::milliseconds> reset_delay;
};

}  // namespace espbak
