#pragma once
// SLIP framing (RFC 1055 with the bootloader's use: 0xC0 at both ends of every
// frame, 0xDB 0xDC for 0xC0, 0xDB 0xDD for 0xDB). Pure functions, no I/O.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace espbak::slip {

constexpr std::uint8_t kEnd = 0xC0;
constexpr std::uint8_t kEsc = 0xDB;
constexpr std::uint8_t kEscEnd = 0xDC;
constexpr std::uint8_t kEscEsc = 0xDD;

// Frames `payload`: C0, escaped payload, C0.
std::vector<std::uint8_t> encode(std::span<const std::uint8_t> payload);
void encode_into(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);

// Streaming decoder. Bytes may arrive in any split: a frame, or an escape pair,
// may straddle two feed() calls. Bytes outside a frame (boot log, application
// chatter, line noise) are kept, bounded, as "noise" for diagnostics. A frame
// with a bad escape, or longer than max_frame, is dropped and counted.
class Decoder {
 public:
  explicit Decoder(std::size_t max_frame = 0x10000 + 64, std::size_t max_noise = 4096);

  // Decodes `in`; every completed frame is appended to `frames`.
  void feed(std::span<const std::uint8_t> in, std::vector<std::vector<std::uint8_t>>& frames);

  // Bytes seen outside frames since the last take_noise(), at most max_noise
  // (the most recent ones are kept).
  std::vector<std::uint8_t> take_noise();
  std::size_t noise_total() const { return noise_total_; }
  std::size_t dropped_frames() const { return dropped_; }
  bool in_frame() const { return state_ != State::idle; }

  // Forget any partial frame and noise (e.g. after a port flush).
  void reset();

 private:
  enum class State { idle, frame, escape, discard };
  void drop();
  void keep_noise(std::uint8_t b);

  State state_ = State::idle;
  std::vector<std::uint8_t> frame_;
  std::vector<std::uint8_t> noise_;
  std::size_t max_frame_;
  std::size_t max_noise_;
  std::size_t noise_total_ = 0;
  std::size_t dropped_ = 0;
};

}  // namespace espbak::slip
