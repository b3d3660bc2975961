#pragma once
// Connection and identity commands: SYNC, CHANGE_BAUDRATE, GET_SECURITY_INFO
// (with its result) and the stub's RUN_USER_CODE (fact sheet 2.1, 2.5).
#include <array>

#include "espbak/protocol/command_codec.hpp"

namespace espbak::cmd {

// SYNC: 36 bytes, 07 07 12 20 then 32 x 55 (loader.py sync). The ROM
// answers 8 times with the first word as the reply value (ESP32 trace:
// 0x20120707), the stub with value 0. Decoding keeps that first word only:
// no loader checks the 0x55 filler.
struct Sync {
  static constexpr Op op = Op::sync;
  static constexpr std::size_t kSize = 36;
  static constexpr std::uint32_t kLeadWord = 0x20120707;
  static constexpr int kReplies = 8;
  std::uint32_t lead_word = kLeadWord;

  Bytes encode() const;
  static std::optional<Sync> decode(std::span<const std::uint8_t> payload);
  // SYNC_TIMEOUT for the first reply; the 7 that follow are read with
  // DEFAULT_TIMEOUT (loader.py sync: command() with no opcode).
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.sync; }
  static milliseconds later_replies_timeout(const Timeouts& t) { return t.standard; }
  bool operator==(const Sync&) const = default;
};

// CHANGE_BAUDRATE: u32 new rate, u32 second word: 0 to a ROM, the current
// host rate to a stub (loader.py change_baud). The reply leaves at the old rate.
struct ChangeBaudrate {
  static constexpr Op op = Op::change_baudrate;
  std::uint32_t new_baud = 0;
  std::uint32_t old_baud = 0;

  Bytes encode() const;
  static std::optional<ChangeBaudrate> decode(std::span<const std::uint8_t> payload);  // 8 bytes
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const ChangeBaudrate&) const = default;
};

// GET_SECURITY_INFO: no arguments (ESP32-S2 and later ROMs and stubs).
struct GetSecurityInfo {
  static constexpr Op op = Op::get_security_info;

  Bytes encode() const { return {}; }
  static std::optional<GetSecurityInfo> decode(std::span<const std::uint8_t> payload);  // empty
  milliseconds timeout(const Timeouts& t, LoaderKind) const { return t.standard; }
  bool operator==(const GetSecurityInfo&) const = default;
};

// Its result (fact sheet 2.1): u32 flags, u8 flash_crypt_cnt, 7 x u8 key
// purposes, then on the ESP32-S3 and later u32 chip id and u32 API version:
// 20 bytes; the ESP32-S2 answers the first 12 only.
struct SecurityInfo {
  static constexpr std::size_t kSize = 20;
  static constexpr std::size_t kShortSize = 12;  // ESP32-S2
  // Flag bit 2 (loader.py get_security_info's flag names).
  static constexpr std::uint32_t kSecureDownloadEnable = 1u << 2;
  std::uint32_t flags = 0;
  std::uint8_t flash_crypt_cnt = 0;
  std::array<std::uint8_t, 7> key_purposes{};
  std::optional<std::uint32_t> chip_id{};  // absent in the 12-byte form
  std::optional<std::uint32_t> api_version{};

  // 20 bytes when chip_id or api_version is set (a missing one as 0), else 12.
  Bytes encode() const;
  static std::optional<SecurityInfo> decode(std::span<const std::uint8_t> result);  // 20 or 12 bytes
  bool operator==(const SecurityInfo&) const = default;
};

// RUN_USER_CODE (stub only; esptool sends it for the ESP8266's soft reset):
// no arguments, and no reply ever comes. The stub does not look at the
// length, so any payload decodes.
struct RunUserCode {
  static constexpr Op op = Op::run_user_code;

  Bytes encode() const { return {}; }
  static std::optional<RunUserCode> decode(std::span<const std::uint8_t>) { return RunUserCode{}; }
  bool operator==(const RunUserCode&) const = default;
};

}  // namespace espbak::cmd
