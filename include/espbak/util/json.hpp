#pragma once
// Reading JSON (RFC 8259): what espbak writes (manifests beside backups)
// it must read back and check before touching a chip. A value tree, object
// keys in file order; strict: no comments, no trailing commas, no NaN,
// nesting at most 64 deep. Writing JSON stays with ops/report.hpp's
// JsonObject.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace espbak {

class JsonValue {
 public:
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  JsonValue() = default;  // null
  static JsonValue boolean(bool b);
  static JsonValue integer(std::int64_t v);
  static JsonValue real(double v);
  static JsonValue string(std::string s);
  static JsonValue array(Array items);
  static JsonValue object(Object members);

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  // An integer: a number written without fraction or exponent that fits
  // an int64 (addresses, sizes, versions).
  bool is_integer() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_number() const { return is_integer() || std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_object() const { return std::holds_alternative<Object>(v_); }

  // Typed access; nullopt / nullptr when the value is of another type.
  std::optional<bool> as_bool() const;
  std::optional<std::int64_t> as_integer() const;
  std::optional<double> as_number() const;
  const std::string* as_string() const;
  const Array* as_array() const;
  const Object* as_object() const;

  // Object member (the first of that name; nullptr: missing, or not an object).
  const JsonValue* find(std::string_view key) const;

 private:
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object> v_;
};

// Parses a whole JSON text (whitespace around it allowed). Throws
// Error(input) "JSON: <what> at line L column C" for the first fault.
JsonValue parse_json(std::string_view text);

}  // namespace espbak
