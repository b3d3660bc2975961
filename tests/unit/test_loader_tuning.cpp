// The loader under esptool's config-file tuning (loader/tuning.hpp): each
// wait it takes comes from the Timeouts it carries, a failed flash block is
// sent write_block_attempts times, and reset_delay is the IO0 hold of every
// reset strategy. Time is a manual clock that moves only when the link
// waits or the loader sleeps, so the waits are asserted exactly.
#include <catch2/catch.hpp>

#include "espbak/link/reset/cycle.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"
#include "test_loader_fake_device.hpp"

using namespace espbak;
using namespace espbak::test;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

namespace {

class ManualClock final : public Clock {
 public:
  Duration now() const override { return t_; }
  void sleep(Duration d) override {
    if (d > Duration::zero()) t_ += d;
  }
  void advance_to(Duration t) { t_ = std::max(t_, t); }

 private:
  Duration t_{0};
};

// A FakeLink on the manual clock: a read with nothing to deliver waits its
// whole timeout; a frame scheduled for later arrives when the clock gets
// there, if the read waits that long.
class TimedLink final : public FakeLink {
 public:
  void push_frame_after(milliseconds delay, std::span<const std::uint8_t> payload) {
    later_.push_back({clock_.now() + delay, slip::encode(payload)});
  }
  std::size_t read(std::span<std::uint8_t> buf, milliseconds timeout) override {
    if (rx.empty() && !later_.empty() && later_.front().first <= clock_.now() + timeout) {
      clock_.advance_to(later_.front().first);
      rx.insert(rx.end(), later_.front().second.begin(), later_.front().second.end());
      later_.pop_front();
    }
    std::size_t n = FakeLink::read(buf, timeout);
    if (n == 0) clock_.sleep(timeout);
    return n;
  }
  void set_write_timeout(milliseconds t) override { write_timeout = t; }
  Clock& clock() override { return clock_; }
  ManualClock& manual() { return clock_; }
  std::optional<milliseconds> write_timeout;

 private:
  ManualClock clock_;
  std::deque<std::pair<Clock::Duration, Bytes>> later_;
};

struct Rig {
  TimedLink link;
  FakeChip chip;
  Loader loader{link};
  std::vector<milliseconds> sleeps;
  explicit Rig(FakeChip::Kind k, const LoaderTuning& tuning) : chip(link, k) {
    loader.set_sleeper([this](milliseconds d) {
      sleeps.push_back(d);
      link.manual().sleep(d);
    });
    loader.set_tuning(tuning);
  }
  void connect() {
    ConnectOptions o;
    o.before = BeforeReset::no_reset;
    o.attempts = 1;
    loader.connect(o);
  }
  // How long `f` took on the manual clock; what it threw, if anything.
  milliseconds elapsed_in(const std::function<void()>& f, std::optional<ErrorKind>* thrown = nullptr) {
    auto start = link.clock().now();
    try {
      f();
    } catch (const Error& e) {
      if (thrown) *thrown = e.kind();
    }
    return std::chrono::duration_cast<milliseconds>(link.clock().now() - start);
  }
};

std::optional<ErrorKind> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return std::nullopt;
}

LoaderTuning with_timeouts(const std::function<void(cmd::Timeouts&)>& set) {
  LoaderTuning t;
  set(t.timeouts);
  return t;
}

}  // namespace

TEST_CASE("sync_timeout is how long each SYNC try waits for a chip that does not answer", "[loader][tuning]") {
  for (milliseconds sync : {100ms, 20ms, 400ms}) {
    CAPTURE(sync.count());
    Rig r(FakeChip::Kind::esp32_rom, with_timeouts([&](cmd::Timeouts& t) { t.sync = sync; }));
    r.chip.syncs_to_ignore = 1000;
    std::optional<ErrorKind> thrown;
    milliseconds took = r.elapsed_in([&] { r.connect(); }, &thrown);
    CHECK(thrown == ErrorKind::connect);
    // One attempt = 5 SYNC tries, each waiting sync_timeout, 50 ms apart
    // (loader.py _connect_attempt).
    CHECK(took == 5 * (sync + 50ms));
  }
}

TEST_CASE("timeout is the wait for an ordinary reply and the floor of the per-MB rules", "[loader][tuning]") {
  Rig r(FakeChip::Kind::esp32_rom, with_timeouts([](cmd::Timeouts& t) {
          t.standard = 250ms;
          t.md5_seconds_per_mb = 1;
        }));
  r.connect();
  r.chip.custom = [](const Command& c) { return c.op == std::uint8_t(Op::read_reg) || c.op == std::uint8_t(Op::spi_flash_md5); };
  std::optional<ErrorKind> thrown;
  CHECK(r.elapsed_in([&] { r.loader.read_reg(0x3FF00050); }, &thrown) == 250ms);
  CHECK(thrown == ErrorKind::timeout);
  CHECK(r.elapsed_in([&] { r.loader.flash_md5(0, 0x1000); }) == 250ms);        // floor
  CHECK(r.elapsed_in([&] { r.loader.flash_md5(0, 2'000'000); }) == 2000ms);    // 1 s per 10^6 bytes
}

TEST_CASE("md5_timeout_per_mb decides whether a slow MD5 is waited for, max_timeout caps it", "[loader][tuning]") {
  // The ROM takes 2.5 s for the MD5 of 2 MB (1.25 s/MB).
  auto run = [](double md5_seconds_per_mb, milliseconds max) {
    Rig r(FakeChip::Kind::esp32_rom, with_timeouts([&](cmd::Timeouts& t) {
            t.standard = 500ms;
            t.md5_seconds_per_mb = md5_seconds_per_mb;
            t.max = max;
          }));
    r.connect();
    Bytes digest_reply(32, 'a');
    for (std::uint8_t s : r.chip.ok_status()) digest_reply.push_back(s);
    r.chip.custom = [&](const Command& c) {
      if (c.op != std::uint8_t(Op::spi_flash_md5)) return false;
      r.link.push_frame_after(2500ms, encode_response(c.op, 0, digest_reply));
      return true;
    };
    return error_of([&] { r.loader.flash_md5(0, 2'000'000); });
  };
  CHECK(run(1, 240000ms) == ErrorKind::timeout);  // waits 2 s
  CHECK(run(8, 240000ms) == std::nullopt);        // esptool's 8 s/MB: 16 s, the reply comes in time
  CHECK(run(8, 2000ms) == ErrorKind::timeout);    // ... unless max_timeout cuts the wait to 2 s
}

TEST_CASE("chip_erase_timeout, mem_end_rom_timeout and the later SYNC replies take their keys", "[loader][tuning]") {
  Rig r(FakeChip::Kind::stub, with_timeouts([](cmd::Timeouts& t) {
          t.standard = 300ms;
          t.chip_erase = 4000ms;
          t.mem_end_rom = 70ms;
        }));
  r.connect();
  r.loader.run_stub();  // the stub answered SYNC with 0: already running
  r.chip.custom = [](const Command& c) { return c.op == std::uint8_t(Op::erase_flash); };
  CHECK(r.elapsed_in([&] { r.loader.erase_flash(); }) == 4000ms);

  Rig rom(FakeChip::Kind::esp32_rom, with_timeouts([](cmd::Timeouts& t) { t.mem_end_rom = 70ms; }));
  rom.connect();
  rom.chip.custom = [](const Command& c) { return c.op == std::uint8_t(Op::mem_end); };
  CHECK(rom.elapsed_in([&] { rom.loader.mem_finish(0x40080000); }) == 70ms);  // no reply: not an error to a ROM

  // SYNC: sync_timeout for the first reply, `timeout` for the 7 after it.
  Rig half(FakeChip::Kind::esp32_rom, with_timeouts([](cmd::Timeouts& t) {
             t.sync = 100ms;
             t.standard = 600ms;
           }));
  half.chip.custom = [&](const Command& c) {
    if (c.op != std::uint8_t(Op::sync)) return false;
    half.chip.ok(c.op, 0x20120707);  // one reply of the eight
    return true;
  };
  CHECK(half.elapsed_in([&] { half.connect(); }) == 5 * (600ms + 50ms));
}

TEST_CASE("serial_write_timeout reaches the link", "[loader][tuning]") {
  Rig r(FakeChip::Kind::esp32_rom, with_timeouts([](cmd::Timeouts& t) { t.serial_write = 8500ms; }));
  CHECK(r.link.write_timeout == 8500ms);
}

TEST_CASE("write_block_attempts is how often a refused flash block is sent", "[loader][tuning]") {
  for (bool compressed : {false, true}) {
    for (int attempts : {1, 3, 5}) {
      CAPTURE(compressed, attempts);
      LoaderTuning tuning;
      tuning.write_block_attempts = attempts;
      Rig r(FakeChip::Kind::esp32_rom, tuning);
      r.connect();
      const Op data_op = compressed ? Op::flash_defl_data : Op::flash_data;
      r.chip.custom = [&](const Command& c) {
        if (c.op != std::uint8_t(data_op)) return false;
        r.link.reply(c.op, 0, r.chip.fail_status(0x07));  // the ROM's "bad checksum"
        return true;
      };
      r.link.host_frames.clear();
      CHECK(error_of([&] { r.loader.write_flash(0, Bytes(0x400, 0x5A), compressed); }) == ErrorKind::device);
      CHECK(r.link.commands(data_op).size() == std::size_t(attempts));
    }
  }
  // A block that fails twice and then passes is written with 3 attempts, not with 2.
  for (int attempts : {2, 3}) {
    LoaderTuning tuning;
    tuning.write_block_attempts = attempts;
    Rig r(FakeChip::Kind::esp32_rom, tuning);
    r.connect();
    int refused = 0;
    r.chip.custom = [&](const Command& c) {
      if (c.op != std::uint8_t(Op::flash_data) || refused == 2) return false;
      ++refused;
      r.link.reply(c.op, 0, r.chip.fail_status(0x07));
      return true;
    };
    CHECK(error_of([&] { r.loader.write_flash(0, Bytes(0x400, 0x5A), false); }) ==
          (attempts == 3 ? std::nullopt : std::optional<ErrorKind>(ErrorKind::device)));
  }
}

TEST_CASE("reset_delay replaces both IO0 hold times of the reset cycle", "[loader][tuning][reset]") {
  FakeLink link;
  link.modem_lines = true;  // sets both lines at once: UnixTight and Classic
  std::vector<std::string> names;
  for (const auto& s : reset_strategy_cycle(link, BeforeReset::default_reset, std::nullopt, 750ms)) {
    names.push_back(s.name());
    CHECK(s.delay == 750ms);
  }
  CHECK(names ==
        std::vector<std::string>{"UnixTight (0.75 s)", "UnixTight (0.75 s)", "Classic (0.75 s)", "Classic (0.75 s)"});

  // The loader's connect resets with it: the sleep after EN's release.
  for (std::optional<milliseconds> delay : {std::optional<milliseconds>{}, std::optional<milliseconds>{750ms}}) {
    LoaderTuning tuning;
    tuning.reset_delay = delay;
    Rig r(FakeChip::Kind::esp32_rom, tuning);
    r.link.modem_lines = true;
    ConnectOptions o;
    o.before = BeforeReset::default_reset;
    o.attempts = 1;
    r.loader.connect(o);
    // UnixTight: 100 ms in reset, then IO0 held for the delay.
    REQUIRE(r.sleeps.size() >= 2);
    CHECK(r.sleeps[0] == 100ms);
    CHECK(r.sleeps[1] == delay.value_or(kResetDelay));
  }
}
