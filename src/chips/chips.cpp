// The chip registry: every chip of chip_list.hpp, built from its file
// (src/chips/<chip>.cpp), and the lookups and helpers shared by all chips.
#include <cstdio>

#include "espbak/chips/chip.hpp"

namespace espbak {

#define ESPBAK_CHIP_BUILDER(name) ChipInfo chip_info_##name();
ESPBAK_FOR_EACH_CHIP(ESPBAK_CHIP_BUILDER)
#undef ESPBAK_CHIP_BUILDER

namespace {

const std::vector<ChipInfo>& table() {
  static const std::vector<ChipInfo> chips = {
#define ESPBAK_CHIP_ROW(name) chip_info_##name(),
      ESPBAK_FOR_EACH_CHIP(ESPBAK_CHIP_ROW)
#undef ESPBAK_CHIP_ROW
  };
  return chips;
}

}  // namespace

std::span<const ChipInfo> all_chips() { return table(); }

const ChipInfo* find_chip(std::string_view cli_name) {
  for (const auto& c : table()) {
    if (c.cli_name == cli_name) return &c;
  }
  return nullptr;
}

const ChipInfo* chip_by_magic(std::uint32_t magic) {
  for (const auto& c : table()) {
    for (auto m : c.magic_values)
      if (m == magic) return &c;
  }
  return nullptr;
}

const ChipInfo* chip_by_security_id(std::uint32_t id) {
  for (const auto& c : table())
    if (c.security_chip_id && *c.security_chip_id == id) return &c;
  return nullptr;
}

const ChipInfo& chip(ChipId id) {
  // The table is built in enum order (both come from ESPBAK_FOR_EACH_CHIP).
  return table()[static_cast<std::size_t>(id)];
}

std::string chip_cli_names(std::string_view separator) {
  std::string out;
  for (const auto& c : table()) {
    if (!out.empty()) out += separator;
    out += c.cli_name;
  }
  return out;
}

std::optional<RegField> ChipInfo::field(std::string_view field_name) const {
  for (const auto& f : fields)
    if (f.name == field_name) return f;
  return std::nullopt;
}

namespace {

// The stubs_by_revision entry for a part of `rev` (the last one it reaches);
// nullptr for an unknown revision or one below every entry.
const StubByRevision* stub_entry(const ChipInfo& chip, std::optional<std::uint32_t> rev) {
  const StubByRevision* chosen = nullptr;
  if (rev)
    for (const auto& s : chip.stubs_by_revision)
      if (*rev >= s.min_revision) chosen = &s;
  return chosen;
}

}  // namespace

std::string_view ChipInfo::stub_for_revision(std::optional<std::uint32_t> rev) const {
  const StubByRevision* entry = stub_entry(*this, rev);
  return entry ? entry->stub_name : stub_name;
}

std::string_view ChipInfo::stub_for(const FieldReader& regs) const {
  if (stubs_by_revision.empty() || !revision) return stub_name;
  return stub_for_revision(revision(regs));
}

std::optional<std::uint32_t> ChipInfo::chip_revision(const FieldReader& regs) const {
  if (revision) return revision(regs);
  if (!describe) return std::nullopt;
  const std::string text = describe(regs);
  constexpr std::string_view kMark = "(revision v";
  const auto at = text.rfind(kMark);
  if (at == std::string::npos) return std::nullopt;
  unsigned major = 0, minor = 0;
  if (std::sscanf(text.c_str() + at + kMark.size(), "%u.%u)", &major, &minor) != 2) return std::nullopt;
  return major * 100 + minor;
}

std::string ChipInfo::no_stub_reason(const FieldReader& regs) const {
  if (stub_name.empty())
    return std::string("espbak has no flasher stub for ") + std::string(name) + " (esptool-js 0.7.0 publishes none)";
  if (stubs_by_revision.empty() || !revision) return {};
  const StubByRevision* entry = stub_entry(*this, revision(regs));
  if (!entry || !entry->stub_name.empty()) return {};
  return std::string(entry->no_stub_reason);
}

std::vector<RegOp> ChipInfo::flash_power_on_ops(const FieldReader& regs) const {
  if (flash_power_on.empty() || !revision) return {};
  auto rev = revision(regs);
  if (!rev) return {};
  for (const auto& entry : flash_power_on) {
    if (entry.revision != *rev) continue;
    if (entry.only_if_set && !regs.flag(*entry.only_if_set)) continue;
    return entry.ops;
  }
  return {};
}

SecurityState ChipInfo::security_state(const FieldReader& regs) const {
  auto ask = [&](bool (*decoder)(const FieldReader&)) { return decoder != nullptr && decoder(regs); };
  return {.flash_encryption = ask(security.flash_encryption),
          .secure_boot = ask(security.secure_boot),
          .secure_boot_v1 = ask(security.secure_boot_v1),
          .encrypted_download_disabled = ask(security.encrypted_download_disabled),
          .key_manager_flash_encryption = ask(security.key_manager_flash_encryption)};
}

std::optional<std::uint32_t> flash_size_from_id(std::uint32_t flash_id) {
  std::uint8_t manufacturer = flash_id & 0xFF;
  if (manufacturer == 0x1F) {  // Adesto: size code in bits 8-12
    switch ((flash_id >> 8) & 0x1F) {
      case 0x04: return 512u * 1024;
      case 0x05: return 1u << 20;
      case 0x06: return 2u << 20;
      case 0x07: return 4u << 20;
      case 0x08: return 8u << 20;
      case 0x09: return 16u << 20;
      default: return std::nullopt;
    }
  }
  switch ((flash_id >> 16) & 0xFF) {
    case 0x12: case 0x32: return 256u * 1024;
    case 0x13: case 0x33: return 512u * 1024;
    case 0x14: case 0x34: return 1u << 20;
    case 0x15: case 0x35: return 2u << 20;
    case 0x16: case 0x36: return 4u << 20;
    case 0x17: case 0x37: return 8u << 20;
    case 0x18: case 0x38: return 16u << 20;
    case 0x19: case 0x39: return 32u << 20;
    case 0x1A: case 0x3A: case 0x20: return 64u << 20;
    case 0x1B: case 0x21: return 128u << 20;
    // 256 MB does not fit in 32 bits of address space; esptool maps 0x1C/0x22
    // to 256MB, which this tool does not support.
    default: return std::nullopt;
  }
}

std::optional<std::uint8_t> capacity_code_for_size(std::uint32_t bytes) {
  for (std::uint8_t code = 0x12; code <= 0x1B; ++code) {
    if (flash_size_from_id(std::uint32_t(code) << 16) == bytes) return code;
  }
  return std::nullopt;
}

std::uint32_t esp8266_rom_erase_size(std::uint32_t offset, std::uint32_t size) {
  const std::uint32_t sectors_per_block = 16, sector = 0x1000;
  std::uint32_t num = (size + sector - 1) / sector;
  std::uint32_t start = offset / sector;
  std::uint32_t head = sectors_per_block - (start % sectors_per_block);
  if (num < head) head = num;
  if (num < 2 * head) return (num + 1) / 2 * sector;
  return (num - head) * sector;
}

std::string format_mac(const std::array<std::uint8_t, 6>& mac) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return buf;
}

std::optional<std::array<std::uint8_t, 6>> parse_mac(std::string_view text) {
  std::array<std::uint8_t, 6> m{};
  if (text.size() != 17) return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':' && text[i * 3 - 1] != '-') return std::nullopt;
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      char c = text[i * 3 + k];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return std::nullopt;
      v = v * 16 + d;
    }
    m[i] = std::uint8_t(v);
  }
  return m;
}

}  // namespace espbak
