#pragma once
// A chip's registers as a plain map (address -> word), read through the
// RegReader the chip decoders take; addresses not in the map read 0, as
// espsim's unset registers do.
#include <cstdint>
#include <map>

#include "espbak/chips/fields.hpp"

namespace espbak::testing {

using RegisterImage = std::map<std::uint32_t, std::uint32_t>;

inline RegReader register_reader(RegisterImage regs) {
  return [regs = std::move(regs)](std::uint32_t addr) {
    auto it = regs.find(addr);
    return it == regs.end() ? 0u : it->second;
  };
}

}  // namespace espbak::testing
