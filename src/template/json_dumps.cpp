// json.dumps semantics (CPython's json.encoder): separators, indent, ensure_ascii escaping,
// float repr with NaN/Infinity, key coercion and sort_keys.
#include "template/json_dumps.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "template/py_text.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }

void dump_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  auto hex = [&out](unsigned v) { out += fmt::format("\\u{:04x}", v); };
  if (!ensure_ascii) {
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20) {
            hex(c);
          } else {
            out += ch;
          }
      }
    }
  } else {
    for (char32_t c : utf8_decode(s)) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          if (c < 0x20 || (c >= 0x7f && c < 0x10000)) {
            hex(c);
          } else if (c >= 0x10000) {
            const char32_t v = c - 0x10000;
            hex(0xd800 | (v >> 10));
            hex(0xdc00 | (v & 0x3ff));
          } else {
            out += static_cast<char>(c);
          }
      }
    }
  }
  out += '"';
}

std::string float_json(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return float_repr(v);
}

std::string key_string(const Value& k) {
  switch (k.kind) {
    case Kind::kString:
      return k.str();
    case Kind::kInt:
      return std::to_string(k.i);
    case Kind::kFloat:
      return float_json(k.f);
    case Kind::kBool:
      return k.b ? "true" : "false";
    case Kind::kNone:
      return "null";
    default:
      type_error(fmt::format("keys must be str, int, float, bool or None, not {}", type_name(k)));
  }
}

class Dumper {
 public:
  Dumper(const JsonDumpOptions& o, std::string& out) : o_(o), out_(out) {}

  void dump(const Value& v, int level) {
    NestGuard guard;
    switch (v.kind) {
      case Kind::kNone:
        out_ += "null";
        return;
      case Kind::kBool:
        out_ += v.b ? "true" : "false";
        return;
      case Kind::kInt:
        out_ += std::to_string(v.i);
        return;
      case Kind::kFloat:
        out_ += float_json(v.f);
        return;
      case Kind::kString:
        dump_string(out_, v.str(), o_.ensure_ascii);
        return;
      case Kind::kList:
      case Kind::kTuple:
        dump_list(v.items(), level);
        return;
      case Kind::kDict:
        dump_dict(v.dict_obj(), level);
        return;
      default:
        type_error(fmt::format("Object of type {} is not JSON serializable", type_name(v)));
    }
  }

 private:
  void newline(int level) {
    if (!o_.indent) return;
    out_ += '\n';
    for (int k = 0; k < level; ++k) out_ += *o_.indent;
  }

  void dump_list(const std::vector<Value>& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    for (size_t k = 0; k < items.size(); ++k) {
      if (k) out_ += o_.item_separator;
      newline(level + 1);
      dump(items[k], level + 1);
    }
    newline(level);
    out_ += ']';
  }

  void dump_dict(const DictObj& d, int level) {
    if (d.size() == 0) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& e : d.entries) entries.push_back(&e);
    if (o_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
        return py_compare(a->first, b->first, "<") < 0;
      });
    }
    out_ += '{';
    bool first = true;
    for (const auto* e : entries) {
      if (!first) out_ += o_.item_separator;
      first = false;
      newline(level + 1);
      dump_string(out_, key_string(e->first), o_.ensure_ascii);
      out_ += o_.key_separator;
      dump(e->second, level + 1);
    }
    newline(level);
    out_ += '}';
  }

  const JsonDumpOptions& o_;
  std::string& out_;
};

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& opts) {
  std::string out;
  Dumper(opts, out).dump(v, 0);
  return out;
}

}  // namespace owl::tmpl
