// ops: which baud rate a run uses (read_baud_request, plan_baud; docs/cli.md "-b, --baud").
#include <catch2/catch.hpp>

#include "espbak/ops/baud_policy.hpp"
#include "espbak/util/error.hpp"

using namespace espbak;

namespace {

BaudPlan fixed(std::uint32_t rate) { return {rate, false}; }
const BaudPlan kAuto{kRomBaud, true};
const BaudPlan kRom{kRomBaud, false};

BaudPlan plan(std::string_view option, Traffic traffic, BeforeReset before = BeforeReset::default_reset,
              AfterReset after = AfterReset::hard_reset) {
  return plan_baud(read_baud_request(option, "", ""), traffic, before, after);
}

}  // namespace

TEST_CASE("baud request: -b, then ESPBAK_BAUD, then ESPTOOL_BAUD") {
  auto r = read_baud_request("460800", "921600", "230400");
  CHECK(r.kind == BaudRequest::Kind::fixed);
  CHECK(r.rate == 460800);
  r = read_baud_request("", "921600", "230400");
  CHECK(r.rate == 921600);
  r = read_baud_request("", "", "230400");
  CHECK(r.rate == 230400);
  CHECK(read_baud_request("", "", "").kind == BaudRequest::Kind::unset);
  // An empty variable is no answer: the next source decides.
  CHECK(read_baud_request("", "", "auto").kind == BaudRequest::Kind::automatic);
}

TEST_CASE("baud request: auto in any case, hex rates, bad rates are usage errors") {
  CHECK(read_baud_request("AUTO", "", "").kind == BaudRequest::Kind::automatic);
  CHECK(read_baud_request("Auto", "", "").kind == BaudRequest::Kind::automatic);
  CHECK(read_baud_request("0x1C200", "", "").rate == 115200);
  for (const char* bad : {"fast", "-5", "0", "1e6", "autox"}) {
    CAPTURE(bad);
    try {
      read_baud_request(bad, "", "");
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      CHECK(std::string(e.what()) == std::string("invalid baud rate '") + bad + "'");
    }
  }
  // A bad rate in the environment is refused too, named as given.
  CHECK_THROWS_WITH(read_baud_request("", "turbo", "115200"), "invalid baud rate 'turbo'");
  // ...unless -b overrides it.
  CHECK(read_baud_request("115200", "turbo", "").rate == 115200);
}

TEST_CASE("baud plan: an explicit rate or auto is always honoured") {
  CHECK(plan("921600", Traffic::short_exchange) == fixed(921600));
  CHECK(plan("921600", Traffic::bulk_transfer, BeforeReset::no_reset, AfterReset::no_reset) == fixed(921600));
  CHECK(plan("auto", Traffic::short_exchange) == kAuto);
  CHECK(plan("auto", Traffic::bulk_transfer, BeforeReset::no_reset_no_sync, AfterReset::no_reset_stub) == kAuto);
}

TEST_CASE("baud plan: without a rate, bulk transfers use auto only when espbak resets both ways") {
  CHECK(plan("", Traffic::bulk_transfer) == kAuto);
  CHECK(plan("", Traffic::bulk_transfer, BeforeReset::usb_reset, AfterReset::soft_reset) == kAuto);
  CHECK(plan("", Traffic::bulk_transfer, BeforeReset::default_reset, AfterReset::soft_reset) == kAuto);
  // The chip is not reset into the loader: a failed probe could not be recovered.
  CHECK(plan("", Traffic::bulk_transfer, BeforeReset::no_reset, AfterReset::hard_reset) == kRom);
  CHECK(plan("", Traffic::bulk_transfer, BeforeReset::no_reset_no_sync, AfterReset::hard_reset) == kRom);
  // The chip stays in the loader: the next run expects 115200.
  CHECK(plan("", Traffic::bulk_transfer, BeforeReset::default_reset, AfterReset::no_reset) == kRom);
  CHECK(plan("", Traffic::bulk_transfer, BeforeReset::default_reset, AfterReset::no_reset_stub) == kRom);
  // Short commands: the probe would cost more than it saves.
  CHECK(plan("", Traffic::short_exchange) == kRom);
  CHECK(plan("", Traffic::short_exchange, BeforeReset::usb_reset, AfterReset::soft_reset) == kRom);
}

TEST_CASE("baud plan: a rate from the environment counts as given") {
  auto request = read_baud_request("", "", "230400");
  CHECK(plan_baud(request, Traffic::bulk_transfer, BeforeReset::default_reset, AfterReset::hard_reset) ==
        fixed(230400));
}
