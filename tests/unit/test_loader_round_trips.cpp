// The round trips the loader saves on the connect path (issue 17), against
// espsim's device in process: the ROM's repeated refusal of
// GET_SECURITY_INFO skipped instead of waited for, eFuse words read once per
// connection, and the SPI user-command writes batched for the stub.
#include <catch2/catch.hpp>

#include <map>

#include "espbak/chips/chip.hpp"
#include "espbak/loader/loader.hpp"
#include "espbak/util/error.hpp"
#include "sim_transport.hpp"

using namespace espbak;
using namespace std::chrono_literals;

namespace {

struct Rig {
  testing::SimChip sim;
  std::unique_ptr<Transport> link;
  Loader loader;
  std::vector<std::chrono::milliseconds> sleeps;
  static testing::SimChipConfig config(ChipId id) {
    testing::SimChipConfig cfg;
    cfg.chip = &chip(id);
    return cfg;
  }
  explicit Rig(ChipId id) : sim(config(id)), link(sim.open("sim://chip", 115200)), loader(*link) {
    loader.set_sleeper([this](std::chrono::milliseconds d) { sleeps.push_back(d); });
  }
  void connect() {
    ConnectOptions co;
    co.before = BeforeReset::no_reset;
    loader.connect(co);
  }
  bool slept(std::chrono::milliseconds d) const { return std::find(sleeps.begin(), sleeps.end(), d) != sleeps.end(); }
  std::vector<Command> commands(Op op) const {
    std::vector<Command> out;
    for (const auto& c : sim.commands())
      if (c.op == std::uint8_t(op)) out.push_back(c);
    return out;
  }
  std::map<std::uint32_t, int> reads_per_address() const {
    std::map<std::uint32_t, int> n;
    for (const auto& c : commands(Op::read_reg)) ++n[get_u32(c.data, 0)];
    return n;
  }
};

}  // namespace

TEST_CASE("loader: the ROM's repeated GET_SECURITY_INFO refusal is skipped by the next command, not drained for 0.2 s",
          "[loader][connect]") {
  // Both ROMs refuse GET_SECURITY_INFO and repeat the refusal 8 times
  // (espsim device_rom.cpp; esptool loader.py command()).
  for (ChipId id : {ChipId::esp8266, ChipId::esp32}) {
    CAPTURE(chip(id).name);
    Rig r(id);
    r.connect();
    CHECK(&r.loader.chip() == &chip(id));
    CHECK_FALSE(r.slept(200ms));
    // The repeats were consumed in order: the next reads get their own replies.
    CHECK(r.loader.read_reg(kChipDetectMagicReg) == chip(id).magic_values[0]);
    CHECK(r.loader.read_reg(kChipDetectMagicReg) == chip(id).magic_values[0]);
  }
}

TEST_CASE("loader: a refusal outside chip detection is still drained before the next command", "[loader][connect]") {
  Rig r(ChipId::esp32);
  r.connect();
  r.sleeps.clear();
  CHECK_THROWS_AS(r.loader.security_info(), Error);
  CHECK(r.slept(200ms));
  CHECK(r.loader.read_reg(kChipDetectMagicReg) == chip(ChipId::esp32).magic_values[0]);
}

TEST_CASE("loader: the eFuse words behind the description, features and MAC are read once per connection",
          "[loader][connect]") {
  for (ChipId id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32s3, ChipId::esp32c3}) {
    CAPTURE(chip(id).name);
    Rig r(id);
    r.connect();
    const auto description = r.loader.chip_description();
    const auto features = r.loader.chip_features();
    const auto mac = r.loader.mac();
    const auto before = r.reads_per_address();
    for (const auto& [addr, n] : before) {
      CAPTURE(addr);
      // The magic register is read by detection and again by tests above; every other word once.
      if (addr != kChipDetectMagicReg) CHECK(n == 1);
    }
    // Asked again: the same answers, no register read.
    CHECK(r.loader.chip_description() == description);
    CHECK(r.loader.chip_features() == features);
    CHECK(r.loader.mac() == mac);
    CHECK(r.reads_per_address() == before);
    // A new connection forgets them.
    r.connect();
    r.loader.mac();
    CHECK(r.reads_per_address() != before);
  }
}

TEST_CASE("loader: the stub gets an SPI user command's register writes in one WRITE_REG, the ROM one per write",
          "[loader][spi]") {
  for (ChipId id : {ChipId::esp8266, ChipId::esp32, ChipId::esp32c3}) {
    for (bool stub : {false, true}) {
      CAPTURE(chip(id).name, stub);
      Rig r(id);
      r.connect();
      if (stub) r.loader.run_stub();
      else r.loader.spi_attach();
      r.sim.clear_commands();
      const std::uint32_t id_read = r.loader.flash_id();
      CHECK(id_read != 0);
      CHECK(id_read != 0xFFFFFF);
      const auto writes = r.commands(Op::write_reg);
      std::size_t entries = 0;
      for (const auto& w : writes) {
        CHECK(w.data.size() % 16 == 0);
        entries += w.data.size() / 16;
      }
      if (stub) {
        CHECK(writes.size() == 2);  // the set-up ending with the start, then USR / USR2 restored
        CHECK(writes.back().data.size() == 2 * 16);
      } else {
        CHECK(writes.size() == entries);  // one entry a command
      }
      CHECK(entries >= 6);
    }
  }
}
