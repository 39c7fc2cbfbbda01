// GGUF metadata values: construction, typed access and display.
#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "formats/gguf.h"

namespace owl::gguf {

std::string_view value_type_name(ValueType t) {
  switch (t) {
    case ValueType::kU8:
      return "u8";
    case ValueType::kI8:
      return "i8";
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kF32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kU64:
      return "u64";
    case ValueType::kI64:
      return "i64";
    case ValueType::kF64:
      return "f64";
  }
  return "unknown";
}

Value Value::integer(ValueType t, int64_t v) {
  Value r;
  r.type_ = t;
  r.i_ = v;
  return r;
}

Value Value::f32(float v) {
  Value r;
  r.type_ = ValueType::kF32;
  r.f_ = v;
  // The exact bits too: float -> double -> float would quieten a signalling NaN.
  r.i_ = std::bit_cast<uint32_t>(v);
  return r;
}

Value Value::f64(double v) {
  Value r;
  r.type_ = ValueType::kF64;
  r.f_ = v;
  return r;
}

Value Value::boolean(bool v) {
  Value r;
  r.type_ = ValueType::kBool;
  r.i_ = v ? 1 : 0;
  return r;
}

Value Value::string(std::string v) {
  Value r;
  r.type_ = ValueType::kString;
  r.s_ = std::move(v);
  return r;
}

Value Value::array(ValueType elem, std::vector<Value> items) {
  if (static_cast<uint32_t>(elem) > static_cast<uint32_t>(ValueType::kF64)) {
    fail("gguf array: unknown element type {}", static_cast<uint32_t>(elem));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type_ != elem) {
      fail("gguf array of {}: element {} has type {}", value_type_name(elem), i,
           value_type_name(items[i].type_));
    }
  }
  Value r;
  r.type_ = ValueType::kArray;
  r.elem_ = elem;
  r.items_ = std::move(items);
  return r;
}

bool Value::is_integer() const {
  switch (type_) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
      return true;
    default:
      return false;
  }
}

std::optional<int64_t> Value::as_int() const {
  if (!is_integer()) return std::nullopt;
  if (type_ == ValueType::kU64 && i_ < 0) return std::nullopt;  // above INT64_MAX
  return i_;
}

std::optional<uint64_t> Value::as_uint() const {
  if (!is_integer()) return std::nullopt;
  if (type_ == ValueType::kU64) return static_cast<uint64_t>(i_);
  if (i_ < 0) return std::nullopt;
  return static_cast<uint64_t>(i_);
}

std::optional<double> Value::as_double() const {
  if (is_float()) return f_;
  if (type_ == ValueType::kU64) return static_cast<double>(static_cast<uint64_t>(i_));
  if (is_integer()) return static_cast<double>(i_);
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (type_ != ValueType::kBool) return std::nullopt;
  return i_ != 0;
}

std::optional<float> Value::as_f32() const {
  if (type_ != ValueType::kF32) return std::nullopt;
  return std::bit_cast<float>(static_cast<uint32_t>(i_));
}

const std::string* Value::as_string() const { return type_ == ValueType::kString ? &s_ : nullptr; }

bool Value::operator==(const Value& other) const {
  if (type_ != other.type_) return false;
  switch (type_) {
    case ValueType::kF32:
      return i_ == other.i_;
    case ValueType::kF64:
      return std::bit_cast<uint64_t>(f_) == std::bit_cast<uint64_t>(other.f_);
    case ValueType::kString:
      return s_ == other.s_;
    case ValueType::kArray:
      return elem_ == other.elem_ && items_ == other.items_;
    default:
      return i_ == other.i_;
  }
}

namespace {

// A string in double quotes with control characters, quotes and backslashes escaped.
std::string quoted(const std::string& s, size_t max_bytes) {
  std::string out = "\"";
  size_t n = std::min(s.size(), max_bytes);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "...";
  return out + "\"";
}

}  // namespace

std::string Value::to_display_string(size_t max_items) const {
  switch (type_) {
    case ValueType::kF32:
      return fmt::format("{}", static_cast<float>(f_));
    case ValueType::kF64:
      return fmt::format("{}", f_);
    case ValueType::kBool:
      return i_ ? "true" : "false";
    case ValueType::kU64:
      return fmt::format("{}", static_cast<uint64_t>(i_));
    case ValueType::kString:
      return quoted(s_, 200);
    case ValueType::kArray: {
      std::string out = "[";
      size_t n = std::min(items_.size(), max_items);
      for (size_t i = 0; i < n; ++i) {
        if (i) out += ", ";
        out += items_[i].to_display_string(max_items);
      }
      if (n < items_.size()) {
        out += fmt::format("{}...] ({} items)", n ? ", " : "", items_.size());
        return out;
      }
      return out + "]";
    }
    default:
      return fmt::format("{}", i_);
  }
}

}  // namespace owl::gguf
