#include "espbak/ops/many_boards.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "espbak/ops/interruption.hpp"
#include "espbak/util/error.hpp"

namespace espbak {

namespace {

bool file_name_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

constexpr const char* kFieldList = "{mac}, {chip}, {port}, {date}";

}  // namespace

std::string port_file_name(std::string_view port) {
  std::string_view name = port;
  if (auto scheme = name.find("://"); scheme != std::string_view::npos) {
    name = name.substr(scheme + 3);  // socket://HOST:PORT -> HOST:PORT
  } else if (auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name = name.substr(slash + 1);  // /dev/ttyUSB0 -> ttyUSB0
  }
  std::string out;
  for (char c : name) {
    const char safe = file_name_safe(c) ? c : '-';
    if (safe == '-' && !out.empty() && out.back() == '-') continue;
    out += safe;
  }
  // No hidden file, no "." or "..", nothing that reads as an option.
  const auto first = out.find_first_not_of("-.");
  if (first == std::string::npos) return "port";
  out.erase(0, first);
  out.erase(out.find_last_not_of("-.") + 1);
  return out;
}

std::string mac_file_name(const Mac& mac) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

std::string date_file_name(std::chrono::system_clock::time_point when) {
  // Called once per run, before any board's thread starts: localtime's
  // shared buffer is not raced.
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  const std::tm* local = std::localtime(&t);
  if (!local) return "0000-00-00";
  return fmt::format("{:04}-{:02}-{:02}", local->tm_year + 1900, local->tm_mon + 1, local->tm_mday);
}

NameTemplate::NameTemplate(std::string text) : text_(std::move(text)) {
  static const std::map<std::string, Field, std::less<>> kFields = {
      {"mac", Field::mac}, {"chip", Field::chip}, {"port", Field::port}, {"date", Field::date}};
  std::string literal;
  for (std::size_t i = 0; i < text_.size();) {
    if (text_[i] != '{') {
      literal += text_[i++];
      continue;
    }
    const auto close = text_.find('}', i + 1);
    if (close == std::string::npos)
      throw Error(ErrorKind::usage, fmt::format("file name '{}': '{{' without a closing '}}' (the fields are {})",
                                                text_, kFieldList));
    const std::string_view name = std::string_view(text_).substr(i + 1, close - i - 1);
    auto field = kFields.find(name);
    if (field == kFields.end())
      throw Error(ErrorKind::usage, fmt::format("file name '{}': unknown field '{{{}}}' (the fields are {})", text_,
                                                name, kFieldList));
    if (!literal.empty()) pieces_.push_back({Field::none, std::move(literal)});
    literal.clear();
    pieces_.push_back({field->second, {}});
    i = close + 1;
  }
  if (!literal.empty()) pieces_.push_back({Field::none, std::move(literal)});
}

bool NameTemplate::uses(Field f) const {
  return std::any_of(pieces_.begin(), pieces_.end(), [f](const Piece& p) { return p.field == f; });
}

bool NameTemplate::has_fields() const {
  return std::any_of(pieces_.begin(), pieces_.end(), [](const Piece& p) { return p.field != Field::none; });
}

std::string NameTemplate::expand(const BoardFields& fields) const {
  std::string out;
  for (const auto& piece : pieces_) {
    switch (piece.field) {
      case Field::none: out += piece.text; break;
      case Field::port: out += fields.port; break;
      case Field::date: out += fields.date; break;
      case Field::chip:
        if (!fields.chip) throw std::logic_error("{chip} expanded before the board was connected");
        out += *fields.chip;
        break;
      case Field::mac:
        if (!fields.chip) throw std::logic_error("{mac} expanded before the board was connected");
        if (!fields.mac)
          throw Error(ErrorKind::unsupported,
                      fmt::format("file name '{}': the board's MAC is unknown (a chip in Secure Download Mode "
                                  "cannot read it), so {{mac}} has no value; use {{port}}",
                                  text_));
        out += *fields.mac;
        break;
    }
  }
  return out;
}

void refuse_shared_names(const std::vector<std::string>& boards, const std::vector<std::string>& names) {
  std::map<std::string, std::size_t> first_writer;
  for (std::size_t i = 0; i < names.size() && i < boards.size(); ++i) {
    if (names[i].empty()) continue;
    auto [it, added] = first_writer.emplace(names[i], i);
    if (!added)
      throw Error(ErrorKind::usage,
                  fmt::format("the boards on {} and {} would both write '{}': two boards never write one file "
                              "(put {{mac}} or {{port}} in the name)",
                              boards[it->second], boards[i], names[i]));
  }
}

void run_caught(BoardOutcome& outcome, const std::function<void()>& work) {
  if (!outcome.ok) return;
  const auto start = std::chrono::steady_clock::now();
  auto fail = [&](int code, std::string message) {
    outcome.ok = false;
    outcome.exit_code = code;
    std::replace(message.begin(), message.end(), '\n', ' ');
    outcome.error = std::move(message);
  };
  try {
    work();
  } catch (const Interrupted& e) {
    outcome.signal = e.signal();
    fail(128 + e.signal(), e.what());
  } catch (const Error& e) {
    fail(e.exit_code(), e.what());
  } catch (const std::exception& e) {
    fail(static_cast<int>(ErrorKind::internal), std::string("internal error: ") + e.what());
  }
  outcome.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void on_every_board(std::size_t count, const std::function<void(std::size_t)>& work) {
  std::vector<std::thread> threads;
  threads.reserve(count);
  for (std::size_t i = 0; i < count; ++i) threads.emplace_back(work, i);
  for (auto& t : threads) t.join();
}

}  // namespace espbak
