// sim::Device: the stub's READ_FLASH loop, reproduced exactly because it is
// what limits a host's read speed (fact sheet section 8; esp-flasher-stub
// command_handler.c s_read_flash_post_process, docs/espsim.md "Stub model").
#include <algorithm>

#include "device_internal.hpp"

namespace espbak::sim {

std::uint16_t Device::start_read_flash(const cmd::ReadFlash& req) {
  if (req.packet_size > kStubMaxReadPacket) return code::bad_data_len;  // reported on the next command
  // slip_recv_reset() first: a frame already held is dropped.
  rearm_stub_receiver();
  ReadLoop r;
  r.req = req;
  r.remaining = req.length;
  read_ = std::move(r);
  return code::ok;
}

// One pass of the loop: max_in_flight from the host is ignored, one
// unacknowledged packet, acknowledgements counted as frames with uint32
// counters (an early ACK wraps sent - acked and sending stops for good).
bool Device::read_loop_step() {
  ReadLoop& r = *read_;
  bool did = false;
  auto finish = [&] {
    send_raw_frame(cmd::ReadFlashDigest{r.md5.finish()}.encode());
    read_.reset();
    // main.c resets the receiver after handle_command returns: a frame held
    // now (e.g. the non-ACK frame that ended the loop) is dropped.
    rearm_stub_receiver();
    return true;
  };
  if (rx_complete_) {
    now_ = std::max(now_, rx_done_at_);
    auto ack = cmd::ReadFlashAck::decode(rx_buf_);
    if (!ack) return finish();  // not an ACK: the loop breaks
    r.acked_bytes = ack->bytes_received;
    ++r.acked;
    rearm_stub_receiver();
    did = true;
  }
  if (r.remaining > 0 && r.sent - r.acked < 1u) {
    const std::uint32_t done = r.req.length - r.remaining;
    const std::uint32_t n = r.req.packet_length(done);
    auto block = flash_.read(r.req.offset + done, n);
    now_ += cfg_.timings.read_per_kb * SimTime(n) / 1024;
    r.md5.update(block);
    send_raw_frame(block);  // a data frame is the raw flash bytes
    r.remaining -= n;
    ++r.sent;
    did = true;
  }
  if (!(r.remaining > 0 || r.acked_bytes < r.req.length)) return finish();
  return did;
}

}  // namespace espbak::sim
