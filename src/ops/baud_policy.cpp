#include "espbak/ops/baud_policy.hpp"

#include <cctype>

#include <fmt/format.h>

#include "espbak/util/error.hpp"
#include "espbak/util/numbers.hpp"

namespace espbak {

namespace {

bool is_auto(std::string_view text) {
  constexpr std::string_view kAuto = "auto";
  if (text.size() != kAuto.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != kAuto[i]) return false;
  return true;
}

}  // namespace

BaudRequest read_baud_request(std::string_view option, std::string_view espbak_baud_env,
                              std::string_view esptool_baud_env) {
  std::string_view text = option;
  if (text.empty()) text = espbak_baud_env;
  if (text.empty()) text = esptool_baud_env;
  BaudRequest request;
  request.text = std::string(text);
  if (text.empty()) return request;
  if (is_auto(text)) {
    request.kind = BaudRequest::Kind::automatic;
    return request;
  }
  auto rate = parse_u32(request.text);
  if (!rate || *rate == 0) throw Error(ErrorKind::usage, fmt::format("invalid baud rate '{}'", text));
  request.kind = BaudRequest::Kind::fixed;
  request.rate = *rate;
  return request;
}

BaudPlan plan_baud(const BaudRequest& request, Traffic traffic, BeforeReset before, AfterReset after) {
  switch (request.kind) {
    case BaudRequest::Kind::fixed: return {request.rate, false};
    case BaudRequest::Kind::automatic: return {kRomBaud, true};
    case BaudRequest::Kind::unset: break;
  }
  const bool resets_into_loader = before_resets_chip(before);
  const bool resets_into_firmware = after == AfterReset::hard_reset || after == AfterReset::soft_reset;
  return {kRomBaud, traffic == Traffic::bulk_transfer && resets_into_loader && resets_into_firmware};
}

}  // namespace espbak
