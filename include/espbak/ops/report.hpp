#pragma once
// How operations talk to the user without knowing where the words go: the
// CLI decides (stdout/stderr, quiet, --json, a progress line on a terminal).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace espbak {

// A JSON object that keeps its keys in insertion order (for --json output).
// Values are stored already serialised; setting a key again replaces it.
class JsonObject {
 public:
  void set(const std::string& key, const std::string& value);
  void set(const std::string& key, const char* value) { set(key, std::string(value)); }
  void set(const std::string& key, std::int64_t value);
  void set(const std::string& key, std::uint64_t value);
  void set(const std::string& key, std::uint32_t value) { set(key, std::uint64_t(value)); }
  void set(const std::string& key, int value) { set(key, std::int64_t(value)); }
  void set(const std::string& key, bool value);
  void set(const std::string& key, const JsonObject& value);
  void set_strings(const std::string& key, const std::vector<std::string>& values);
  // A value already serialised by the caller ("1.5", "null"): numbers the
  // setters above do not cover (nvs_dump's floats).
  void set_json(const std::string& key, std::string json);
  // Appends an object to the array stored under `key` (created when missing).
  void push(const std::string& key, const JsonObject& value);
  bool empty() const { return entries_.empty(); }
  bool has(const std::string& key) const;

  std::string dump() const;  // compact, one line

 private:
  struct Entry {
    std::string key;
    std::string json;               // serialised value (scalars, objects)
    std::vector<std::string> items;  // serialised items when is_array
    bool is_array = false;
  };
  Entry& slot(const std::string& key);
  std::vector<Entry> entries_;
};

std::string json_escape(std::string_view text);

class Reporter {
 public:
  virtual ~Reporter() = default;
  // The running narrative (esptool's ordinary output): "Connecting...".
  virtual void info(const std::string& line) = 0;
  // The start or a piece of a narrative line that the next output ends
  // ("Connecting..." then a '.' per failed SYNC try, as esptool prints it).
  virtual void partial(const std::string&) {}
  // Something the user should know but that does not stop the command.
  virtual void warning(const std::string& line) = 0;
  // The answer to the command ("MAC: ..."): shown even with --quiet.
  virtual void result(const std::string& line) = 0;
  // Long transfers: called repeatedly, then progress_end() once.
  virtual void progress(std::string_view what, std::uint64_t done, std::uint64_t total) = 0;
  virtual void progress_end() = 0;

  // Machine-readable result, printed by the CLI with --json.
  JsonObject& json() { return json_; }

 private:
  JsonObject json_;
};

// Discards everything (tests, library use).
class NullReporter : public Reporter {
 public:
  void info(const std::string&) override {}
  void warning(const std::string&) override {}
  void result(const std::string&) override {}
  void progress(std::string_view, std::uint64_t, std::uint64_t) override {}
  void progress_end() override {}
};

}  // namespace espbak
