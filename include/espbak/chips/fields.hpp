#pragma once
// Named bit fields of chip registers (eFuse words, revision and calibration
// registers), and the two ways to use them: espbak decodes fields from
// register reads (FieldReader), espsim encodes configured values into its
// register image (FieldWriter). Both use the same RegField constants of a
// chip file (src/chips/<chip>.cpp), so a field is defined once.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace espbak {

using Mac = std::array<std::uint8_t, 6>;

// `width` bits of the 32-bit register at `addr`, starting at bit `shift`.
struct RegField {
  std::string_view name;  // as esptool / espefuse name it: "PKG_VERSION"
  std::uint32_t addr;
  std::uint8_t shift;
  std::uint8_t width;
  constexpr std::uint32_t mask() const { return width >= 32 ? 0xFFFFFFFFu : (1u << width) - 1; }
  constexpr std::uint32_t extract(std::uint32_t reg) const { return (reg >> shift) & mask(); }
};

// A value espsim puts into a field at power-on.
struct FieldValue {
  RegField field;
  std::uint32_t value;
};

// Reads a 32-bit register on the chip (READ_REG).
using RegReader = std::function<std::uint32_t(std::uint32_t addr)>;

// Decodes fields through a RegReader, reading each register once per reader
// (a description reads the same eFuse word for several fields). Converts
// from a RegReader so a decoder can be handed one directly.
class FieldReader {
 public:
  template <class Read>
    requires(!std::is_same_v<std::remove_cvref_t<Read>, FieldReader> &&
             std::is_invocable_r_v<std::uint32_t, Read, std::uint32_t>)
  FieldReader(Read&& read) : read_(std::forward<Read>(read)) {}  // NOLINT(google-explicit-constructor)
  std::uint32_t reg(std::uint32_t addr) const {
    auto it = cache_.find(addr);
    if (it != cache_.end()) return it->second;
    std::uint32_t v = read_(addr);
    cache_.emplace(addr, v);
    return v;
  }
  std::uint32_t operator()(const RegField& f) const { return f.extract(reg(f.addr)); }
  bool flag(const RegField& f) const { return (*this)(f) != 0; }

 private:
  RegReader read_;
  mutable std::map<std::uint32_t, std::uint32_t> cache_;
};

// Encodes field values into a register image (address -> word).
class FieldWriter {
 public:
  explicit FieldWriter(std::map<std::uint32_t, std::uint32_t>& regs) : regs_(regs) {}
  void set(const RegField& f, std::uint32_t value) {
    std::uint32_t& word = regs_[f.addr];
    word = (word & ~(f.mask() << f.shift)) | ((value & f.mask()) << f.shift);
  }

 private:
  std::map<std::uint32_t, std::uint32_t>& regs_;
};

// The MAC layout of every eFuse chip after the ESP8266: the low 32 bits of
// the address in one field, the high 16 bits in another (esptool read_mac:
// struct.pack(">II", mac1, mac0)[2:]).
Mac mac_from_fields(const FieldReader& f, const RegField& high16, const RegField& low32);
void mac_to_fields(const Mac& mac, FieldWriter& w, const RegField& high16, const RegField& low32);

// CRC-8 of a factory MAC as the ESP32 stores it beside the MAC (espefuse
// esp32 EfuseMacField.calc_crc: polynomial 0x8C reflected, init 0).
std::uint8_t efuse_mac_crc8(const Mac& mac);

}  // namespace espbak
