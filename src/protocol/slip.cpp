#include "espbak/protocol/slip.hpp"

namespace espbak::slip {

void encode_into(std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + payload.size() + payload.size() / 32 + 2);
  out.push_back(kEnd);
  for (std::uint8_t b : payload) {
    if (b == kEnd) {
      out.push_back(kEsc);
      out.push_back(kEscEnd);
    } else if (b == kEsc) {
      out.push_back(kEsc);
      out.push_back(kEscEsc);
    } else {
      out.push_back(b);
    }
  }
  out.push_back(kEnd);
}

std::vector<std::uint8_t> encode(std::span<const std::uint8_t> payload) {
  std::vector<std::uint8_t> out;
  encode_into(payload, out);
  return out;
}

Decoder::Decoder(std::size_t max_frame, std::size_t max_noise) : max_frame_(max_frame), max_noise_(max_noise) {}

void Decoder::reset() {
  state_ = State::idle;
  frame_.clear();
  noise_.clear();
}

std::vector<std::uint8_t> Decoder::take_noise() {
  std::vector<std::uint8_t> out;
  out.swap(noise_);
  return out;
}

void Decoder::keep_noise(std::uint8_t b) {
  ++noise_total_;
  if (max_noise_ == 0) return;
  if (noise_.size() >= max_noise_) noise_.erase(noise_.begin(), noise_.begin() + std::ptrdiff_t(max_noise_ / 2));
  noise_.push_back(b);
}

void Decoder::drop() {
  ++dropped_;
  frame_.clear();
  state_ = State::discard;
}

void Decoder::feed(std::span<const std::uint8_t> in, std::vector<std::vector<std::uint8_t>>& frames) {
  for (std::uint8_t b : in) {
    switch (state_) {
      case State::idle:
        if (b == kEnd) state_ = State::frame;
        else keep_noise(b);
        break;
      case State::discard:
        // Skip to the end of the broken frame; that 0xC0 may also be the start
        // of the next one, so treat it as an opening delimiter.
        if (b == kEnd) state_ = State::frame;
        break;
      case State::frame:
        if (b == kEnd) {
          // An empty frame is the back-to-back "C0 C0" between two frames, or
          // a lone opener after noise: stay ready for a payload.
          if (!frame_.empty()) {
            frames.push_back(std::move(frame_));
            frame_ = {};
            state_ = State::idle;
          }
        } else if (b == kEsc) {
          state_ = State::escape;
        } else if (frame_.size() >= max_frame_) {
          drop();
        } else {
          frame_.push_back(b);
        }
        break;
      case State::escape:
        if (b == kEscEnd || b == kEscEsc) {
          if (frame_.size() >= max_frame_) {
            drop();
          } else {
            frame_.push_back(b == kEscEnd ? kEnd : kEsc);
            state_ = State::frame;
          }
        } else if (b == kEnd) {
          // Escape cut short by a delimiter: the frame is corrupt; the 0xC0
          // opens the next one.
          ++dropped_;
          frame_.clear();
          state_ = State::frame;
        } else {
          drop();
        }
        break;
    }
  }
}

}  // namespace espbak::slip
