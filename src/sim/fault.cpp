// Fault injection for espsim's wire: parsing of --fault and the per-byte
// decisions. Syntax and semantics: docs/espsim.md "Faults".
#include "espbak/sim/fault.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "espbak/protocol/slip.hpp"

namespace espbak::sim {

namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    auto at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
  std::uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_rate(std::string_view s) {
  // from_chars for double is in libstdc++ 11+; strtod keeps this portable.
  std::string text(s);
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v) || v < 0 || v > 1) return std::nullopt;
  return v;
}

const char* kind_name(FaultSpec::Kind k) {
  switch (k) {
    case FaultSpec::Kind::drop: return "drop";
    case FaultSpec::Kind::corrupt: return "corrupt";
    case FaultSpec::Kind::noise: return "noise";
    case FaultSpec::Kind::stray: return "stray";
    case FaultSpec::Kind::stall: return "stall";
    case FaultSpec::Kind::reset: return "reset";
    case FaultSpec::Kind::close: return "close";
  }
  return "?";
}

// splitmix64: spreads (seed, connection) over the generator's seed space.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::optional<FaultSpec> parse_fault(std::string_view text, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<FaultSpec> {
    if (error) *error = fmt::format("bad --fault '{}': {}", text, why);
    return std::nullopt;
  };
  auto parts = split(text, ':');
  FaultSpec f;
  // An optional last field names the direction.
  if (parts.size() > 1 && (parts.back() == "to-device" || parts.back() == "to-host")) {
    f.direction = parts.back() == "to-device" ? FaultDirection::to_device : FaultDirection::to_host;
    parts.pop_back();
  }
  const std::string_view kind = parts[0];
  if (kind == "drop" || kind == "corrupt" || kind == "noise" || kind == "stray") {
    f.kind = kind == "drop"      ? FaultSpec::Kind::drop
             : kind == "corrupt" ? FaultSpec::Kind::corrupt
             : kind == "noise"   ? FaultSpec::Kind::noise
                                 : FaultSpec::Kind::stray;
    if (parts.size() != 2) return fail(fmt::format("want {}:RATE[:to-host|to-device]", kind));
    auto rate = parse_rate(parts[1]);
    if (!rate) return fail("RATE must be a number from 0 to 1");
    f.rate = *rate;
    return f;
  }
  if (kind == "stall") {
    if (parts.size() != 3) return fail("want stall:OFFSET:MS[:to-host|to-device]");
    auto offset = parse_count(parts[1]);
    auto ms = parse_count(parts[2]);
    if (!offset) return fail("OFFSET must be a byte count");
    if (!ms || *ms > 600000) return fail("MS must be a number of milliseconds up to 600000");
    f.kind = FaultSpec::Kind::stall;
    f.offset = *offset;
    f.stall_ms = std::uint32_t(*ms);
    return f;
  }
  if (kind == "reset" || kind == "close") {
    if (parts.size() != 2) return fail(fmt::format("want {}:OFFSET[:to-host|to-device]", kind));
    auto offset = parse_count(parts[1]);
    if (!offset) return fail("OFFSET must be a byte count");
    f.kind = kind == "reset" ? FaultSpec::Kind::reset : FaultSpec::Kind::close;
    f.offset = *offset;
    return f;
  }
  return fail("unknown fault (drop, corrupt, noise, stray, stall, reset, close)");
}

std::string describe(const FaultSpec& f) {
  const char* dir = f.direction == FaultDirection::to_host ? "to-host" : "to-device";
  switch (f.kind) {
    case FaultSpec::Kind::drop:
    case FaultSpec::Kind::corrupt:
    case FaultSpec::Kind::noise:
    case FaultSpec::Kind::stray: return fmt::format("{}:{}:{}", kind_name(f.kind), f.rate, dir);
    case FaultSpec::Kind::stall: return fmt::format("stall:{}:{}:{}", f.offset, f.stall_ms, dir);
    case FaultSpec::Kind::reset:
    case FaultSpec::Kind::close: return fmt::format("{}:{}:{}", kind_name(f.kind), f.offset, dir);
  }
  return "?";
}

FaultInjector::FaultInjector(FaultPlan plan) : plan_(std::move(plan)) { rng_.seed(mix(plan_.seed)); }

void FaultInjector::start_connection() {
  ++connection_;
  rng_.seed(mix(plan_.seed ^ mix(connection_)));
  count_[0] = count_[1] = 0;
  between_frames_[0] = between_frames_[1] = true;
  closed_ = false;
  fired_ = 0;
}

ByteFate FaultInjector::next(FaultDirection dir, std::uint8_t byte) {
  ByteFate fate;
  fate.byte = byte;
  const int d = index(dir);
  const std::uint64_t at = count_[d]++;
  if (closed_) {
    fate.drop = true;
    return fate;
  }
  // SLIP position of this byte in the original stream: an opening 0xC0 is
  // where noise between frames goes.
  const bool opens_frame = between_frames_[d] && byte == slip::kEnd;
  if (byte == slip::kEnd) between_frames_[d] = !between_frames_[d];

  auto chance = [&](double rate) {
    return rate > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < rate;
  };
  for (const auto& f : plan_.faults) {
    if (f.direction != dir) continue;
    switch (f.kind) {
      case FaultSpec::Kind::close:
        if (at == f.offset) {
          closed_ = true;
          fate.close_before = true;
          fate.drop = true;
          ++fired_;
          return fate;
        }
        break;
      case FaultSpec::Kind::reset:
        if (at == f.offset) {
          fate.reset_before = true;
          fate.drop = true;
          ++fired_;
        }
        break;
      case FaultSpec::Kind::stall:
        if (at == f.offset) {
          fate.stall_ms += f.stall_ms;
          ++fired_;
        }
        break;
      case FaultSpec::Kind::drop:
        if (chance(f.rate)) {
          fate.drop = true;
          ++fired_;
        }
        break;
      case FaultSpec::Kind::corrupt:
        if (chance(f.rate)) {
          fate.byte ^= std::uint8_t(std::uniform_int_distribution<int>(1, 255)(rng_));
          ++fired_;
        }
        break;
      case FaultSpec::Kind::noise:
        if (opens_frame && chance(f.rate)) {
          // Text between frames, like a chip's debug output or line noise
          // (never 0xC0, so it cannot open a frame).
          static constexpr std::string_view kChatter = "\r\nI (1234) noise: line chatter 0123456789 abcdef\r\n";
          auto len = std::uniform_int_distribution<std::size_t>(1, kChatter.size())(rng_);
          fate.insert_before.insert(fate.insert_before.end(), kChatter.begin(), kChatter.begin() + std::ptrdiff_t(len));
          fate.insert_before.push_back(std::uint8_t(std::uniform_int_distribution<int>(0x80, 0xBF)(rng_)));
          ++fired_;
        }
        break;
      case FaultSpec::Kind::stray:
        if (opens_frame && chance(f.rate)) {
          // A whole SLIP frame that is no valid response (too short for a
          // header, direction byte not 1).
          const std::vector<std::uint8_t> stray = {0x02, 0x55, 0xAA};
          slip::encode_into(stray, fate.insert_before);
          ++fired_;
        }
        break;
    }
  }
  return fate;
}

std::string rom_boot_banner(ChipId id) { return std::string(chip(id).banners.download); }

}  // namespace espbak::sim
