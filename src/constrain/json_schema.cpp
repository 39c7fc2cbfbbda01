// JSON grammar primitives (RFC 8259) and the JSON Schema subset compiler.
#include "constrain/json_schema.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "base/error.h"

namespace owl::constrain {
namespace {

using json = nlohmann::ordered_json;
using Seq = Grammar::Seq;

constexpr int kMaxWs = 20;         // indentation bytes allowed after a line break
constexpr int kMaxIntDigits = 18;  // stays inside int64 (parsers need not support bignums)
constexpr int kMaxFracDigits = 16;
constexpr int kMaxSchemaDepth = 64;

// Primitive JSON rules, created on first use so a grammar holds only what it needs.
class JsonRules {
 public:
  explicit JsonRules(Grammar& g) : g_(g) {}

  Symbol ws() {
    // Nothing, one space, or one line break and indentation (pretty-printed JSON): a model
    // cannot spend its token budget on blank lines.
    return once(ws_, [&] {
      const Symbol indent = Grammar::ref(g_.repeat(set(" \t"), 0, kMaxWs));
      return g_.optional(
          Grammar::ref(g_.choice({{ch(' ')}, {ch('\n'), indent}, {ch('\r'), ch('\n'), indent}})));
    });
  }
  Symbol ch(char c) { return g_.bytes(ByteSet::of(static_cast<uint8_t>(c))); }
  Symbol lit(std::string_view s) { return Grammar::ref(g_.literal(s)); }

  // One character of a string body: printable ASCII but '"' and '\', an escape, or a valid
  // UTF-8 sequence (RFC 3629 table), so every output is valid UTF-8.
  Symbol string_char() {
    return once(char_, [&] {
      ByteSet ascii = ByteSet::range(0x20, 0x7f);
      ascii.bits[0] &= ~(uint64_t{1} << '"');
      ascii.bits[1] &= ~(uint64_t{1} << ('\\' - 64));
      const Symbol hex = set("0123456789abcdefABCDEF");
      const Symbol u = Grammar::ref(g_.choice({
          {set("0123456789abcABC"), hex, hex, hex},
          {set("dD"), set("01234567"), hex, hex},
          {set("eEfF"), hex, hex, hex},
          // a surrogate pair: high then low
          {set("dD"), set("89abAB"), hex, hex, ch('\\'), ch('u'), set("dD"), set("cdefCDEF"), hex,
           hex},
      }));
      const Symbol escape = Grammar::ref(g_.choice({{set("\"\\/bfnrt")}, {ch('u'), u}}));
      return g_.choice({{Grammar::ref(g_.utf8_char(ascii))}, {ch('\\'), escape}});
    });
  }
  Symbol string(int min = 0, int max = -1) {
    if (min == 0 && max < 0) {
      return once(string_, [&] {
        return g_.sequence({ch('"'), Grammar::ref(g_.repeat(string_char(), 0, -1)), ch('"')});
      });
    }
    return Grammar::ref(
        g_.sequence({ch('"'), Grammar::ref(g_.repeat(string_char(), min, max)), ch('"')}));
  }
  Symbol integer() {
    return once(integer_, [&] {
      const Symbol digits = Grammar::ref(g_.repeat(set("0123456789"), 0, kMaxIntDigits - 1));
      const Symbol natural = Grammar::ref(g_.choice({{ch('0')}, {set("123456789"), digits}}));
      return g_.sequence({Grammar::ref(g_.optional(ch('-'))), natural});
    });
  }
  // The decimal numerals (no leading zeros) of the integers in [lo, hi], lo <= hi.
  Symbol natural_range(uint64_t lo, uint64_t hi) {
    const std::string l = std::to_string(lo), h = std::to_string(hi);
    if (l.size() == h.size()) return same_width(l, h);
    std::vector<Seq> alts = {{same_width(l, std::string(l.size(), '9'))}};
    for (size_t n = l.size() + 1; n < h.size(); ++n) {
      alts.push_back({set("123456789"),
                      Grammar::ref(g_.repeat(set("0123456789"), static_cast<int>(n - 1), static_cast<int>(n - 1)))});
    }
    std::string first(h.size(), '0');  // 10^(digits of h - 1)
    first[0] = '1';
    alts.push_back({same_width(first, h)});
    return Grammar::ref(g_.choice(std::move(alts)));
  }
  // Integers in [lo, hi] (either side may be open: INT64_MIN / INT64_MAX), as JSON numerals.
  std::optional<Symbol> integer_range(int64_t lo, int64_t hi) {
    const uint64_t max_natural = 999999999999999999ull;  // kMaxIntDigits nines
    std::vector<Seq> alts;
    if (hi >= 0) {
      const uint64_t a = lo > 0 ? static_cast<uint64_t>(lo) : 0;
      const uint64_t b = std::min<uint64_t>(static_cast<uint64_t>(hi), max_natural);
      if (a <= b) alts.push_back({natural_range(a, b)});
    }
    if (lo < 0) {  // "-" then |x| for x in [lo, min(hi, -1)]
      const uint64_t a = hi < 0 ? 0 - static_cast<uint64_t>(hi) : 1;
      const uint64_t b = std::min<uint64_t>(0 - static_cast<uint64_t>(lo), max_natural);
      if (a <= b) alts.push_back({ch('-'), natural_range(a, b)});
    }
    if (alts.empty()) return std::nullopt;
    return Grammar::ref(g_.choice(std::move(alts)));
  }
  Symbol number() {
    return once(number_, [&] {
      const Symbol digit = set("0123456789");
      const Symbol frac = Grammar::ref(g_.optional(
          Grammar::ref(g_.sequence({ch('.'), Grammar::ref(g_.repeat(digit, 1, kMaxFracDigits))}))));
      const Symbol exp = Grammar::ref(g_.optional(Grammar::ref(g_.sequence(
          {set("eE"), Grammar::ref(g_.optional(set("+-"))),
           Grammar::ref(g_.repeat(digit, 1, 2))}))));  // |exponent| < 100: finite doubles
      return g_.sequence({integer(), frac, exp});
    });
  }
  Symbol boolean() {
    return once(bool_, [&] { return g_.choice({{lit("true")}, {lit("false")}}); });
  }
  Symbol null() {
    return once(null_, [&] { return g_.literal("null"); });
  }

  // Any JSON value (recursive through objects and arrays).
  Symbol value() {
    if (value_ == kNone) {
      value_ = g_.new_rule();
      const Symbol v = Grammar::ref(value_);
      for (Symbol s : {object_of(v), array_of(v, 0, -1), string(), number(), boolean(), null()}) {
        g_.add_alt(value_, {s});
      }
    }
    return Grammar::ref(value_);
  }
  Symbol any_object() {
    return once(object_, [&] { return object_of(value()).id; });
  }
  // "{" members "}" with any keys and values matching `v`.
  Symbol object_of(Symbol v) {
    const Symbol member = Grammar::ref(g_.sequence({string(), ws(), ch(':'), ws(), v}));
    const Symbol more =
        Grammar::ref(g_.repeat(Grammar::ref(g_.sequence({ws(), ch(','), ws(), member})), 0, -1));
    const Symbol body = Grammar::ref(g_.optional(Grammar::ref(g_.sequence({member, more}))));
    return Grammar::ref(g_.sequence({ch('{'), ws(), body, ws(), ch('}')}));
  }
  // "[" items "]" with min..max items matching `item` (max < 0: unbounded).
  Symbol array_of(Symbol item, int min, int max) {
    const Symbol next = Grammar::ref(g_.sequence({ws(), ch(','), ws(), item}));
    Symbol body;
    if (max == 0) {
      body = Grammar::ref(g_.sequence({}));
    } else if (min == 0) {
      const Symbol rest = Grammar::ref(g_.repeat(next, 0, max < 0 ? -1 : max - 1));
      body = Grammar::ref(g_.optional(Grammar::ref(g_.sequence({item, rest}))));
    } else {
      const Symbol rest = Grammar::ref(g_.repeat(next, min - 1, max < 0 ? -1 : max - 1));
      body = Grammar::ref(g_.sequence({item, rest}));
    }
    return Grammar::ref(g_.sequence({ch('['), ws(), body, ws(), ch(']')}));
  }

  Symbol set(std::string_view chars) {
    ByteSet s;
    for (char c : chars) s.add(static_cast<uint8_t>(c));
    return g_.bytes(s);
  }
  Grammar& grammar() { return g_; }

 private:
  static constexpr uint32_t kNone = 0xffffffffu;
  template <typename F>
  Symbol once(uint32_t& slot, F make) {
    if (slot == kNone) slot = make();
    return Grammar::ref(slot);
  }

  Grammar& g_;
  uint32_t ws_ = kNone, char_ = kNone, string_ = kNone, integer_ = kNone, number_ = kNone;
  // Fixed-width digit strings from l to h (same length; inner positions may be zero).
  Symbol same_width(const std::string& l, const std::string& h) {
    if (l.size() == 1) return digit_range(l[0], h[0]);
    const std::string lt = l.substr(1), ht = h.substr(1);
    if (l[0] == h[0]) return Grammar::ref(g_.sequence({ch(l[0]), same_width(lt, ht)}));
    const std::string zeros(lt.size(), '0'), nines(lt.size(), '9');
    if (lt == zeros && ht == nines) {
      return Grammar::ref(g_.sequence({digit_range(l[0], h[0]), same_width(zeros, nines)}));
    }
    std::vector<Seq> alts = {{ch(l[0]), same_width(lt, nines)}};
    if (h[0] - l[0] >= 2) {
      alts.push_back({digit_range(static_cast<char>(l[0] + 1), static_cast<char>(h[0] - 1)),
                      same_width(zeros, nines)});
    }
    alts.push_back({ch(h[0]), same_width(zeros, ht)});
    return Grammar::ref(g_.choice(std::move(alts)));
  }
  Symbol digit_range(char a, char b) {
    std::string chars;
    for (char c = a; c <= b; ++c) chars += c;
    return set(chars);
  }

  uint32_t bool_ = kNone, null_ = kNone, value_ = kNone, object_ = kNone;
};

int count_of(const json& s, const char* key, const std::string& path) {
  if (!s.contains(key)) return -1;
  const json& v = s[key];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 100000) {
    fail("schema {}: {} must be a non-negative integer", path, key);
  }
  return static_cast<int>(v.get<int64_t>());
}

class SchemaCompiler {
 public:
  SchemaCompiler(Grammar& g, const json& root) : rules_(g), g_(g), root_(root) {}

  Symbol compile(const json& s, const std::string& path, int depth) {
    if (depth > kMaxSchemaDepth) fail("schema {}: nested too deeply", path);
    if (s.is_boolean()) {
      if (!s.get<bool>()) fail("schema {}: false schema matches nothing", path);
      return rules_.value();
    }
    if (!s.is_object()) fail("schema {}: must be an object or a boolean", path);
    for (const char* unsupported :
         {"pattern", "patternProperties", "prefixItems", "uniqueItems", "contains", "not", "if",
          "dependentSchemas", "propertyNames", "minProperties", "maxProperties", "$dynamicRef"}) {
      if (s.contains(unsupported)) fail("schema {}: '{}' is not supported", path, unsupported);
    }
    if (s.contains("$ref")) return compile_ref(s["$ref"], path, depth);
    if (s.contains("const")) return rules_.lit(s["const"].dump());
    if (s.contains("enum")) return compile_enum(s["enum"], path);
    for (const char* key : {"anyOf", "oneOf"}) {
      if (s.contains(key)) return compile_union(s[key], path + "/" + key, depth);
    }
    if (s.contains("allOf")) {
      const json& all = s["allOf"];
      if (!all.is_array() || all.size() != 1)
        fail("schema {}/allOf: only one schema is supported", path);
      return compile(all[0], path + "/allOf/0", depth + 1);
    }
    if (!s.contains("type")) {
      if (s.contains("properties") || s.contains("additionalProperties") ||
          s.contains("required")) {
        return compile_typed(s, "object", path, depth);
      }
      if (s.contains("items")) return compile_typed(s, "array", path, depth);
      return rules_.value();
    }
    const json& type = s["type"];
    if (type.is_string()) return compile_typed(s, type.get<std::string>(), path, depth);
    if (!type.is_array() || type.empty()) fail("schema {}/type: must be a string or a list", path);
    std::vector<Seq> alts;
    for (const json& t : type) {
      if (!t.is_string()) fail("schema {}/type: must list strings", path);
      alts.push_back({compile_typed(s, t.get<std::string>(), path, depth)});
    }
    return Grammar::ref(g_.choice(std::move(alts)));
  }

 private:
  Symbol compile_typed(const json& s, const std::string& type, const std::string& path, int depth) {
    if (type == "object") return compile_object(s, path, depth);
    if (type == "array") return compile_array(s, path, depth);
    if (type == "string") {
      const int min = count_of(s, "minLength", path);
      const int max = count_of(s, "maxLength", path);
      if (max >= 0 && min > max) fail("schema {}: minLength above maxLength", path);
      return rules_.string(std::max(min, 0), max);
    }
    if (type == "number" || type == "integer") {
      const bool bounded = s.contains("minimum") || s.contains("maximum") ||
                           s.contains("exclusiveMinimum") || s.contains("exclusiveMaximum");
      if (!bounded) return type == "number" ? rules_.number() : rules_.integer();
      // Bounded numbers are generated as the integers inside the bounds (valid, if not every
      // valid value); bounded integers exactly.
      const auto [lo, hi] = integer_bounds(s, path);
      const std::optional<Symbol> r = rules_.integer_range(lo, hi);
      if (!r) fail("schema {}: no integer lies within the bounds", path);
      return *r;
    }
    if (type == "boolean") return rules_.boolean();
    if (type == "null") return rules_.null();
    fail("schema {}/type: unknown type '{}'", path, type);
  }

  // [minimum, maximum] of an integer from minimum/maximum/exclusiveMinimum/exclusiveMaximum
  // (draft 6+ numbers, or draft 4 booleans), rounded inwards.
  static std::pair<int64_t, int64_t> integer_bounds(const json& s, const std::string& path) {
    int64_t lo = INT64_MIN, hi = INT64_MAX;
    const bool draft4_min = s.contains("exclusiveMinimum") && s["exclusiveMinimum"].is_boolean() &&
                            s["exclusiveMinimum"].get<bool>();
    const bool draft4_max = s.contains("exclusiveMaximum") && s["exclusiveMaximum"].is_boolean() &&
                            s["exclusiveMaximum"].get<bool>();
    // The smallest integer >= v (or > v when strict), exactly for integer bounds.
    auto lower = [&](const char* key, bool strict) {
      const json& v = s[key];
      if (v.is_number_integer()) {
        const int64_t i = v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX ? INT64_MAX : v.get<int64_t>();
        if (strict && i == INT64_MAX) fail("schema {}: no integer lies within the bounds", path);
        lo = std::max(lo, strict ? i + 1 : i);
      } else if (v.is_number()) {
        const double d = v.get<double>();
        if (!(d > -9.2e18 && d < 9.2e18)) fail("schema {}: {} is out of range", path, key);
        const double c = std::ceil(d);
        lo = std::max(lo, static_cast<int64_t>(strict && c == d ? c + 1 : c));
      } else if (!v.is_boolean()) {
        fail("schema {}: {} must be a number", path, key);
      }
    };
    auto upper = [&](const char* key, bool strict) {
      const json& v = s[key];
      if (v.is_number_integer()) {
        const int64_t i = v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX ? INT64_MAX : v.get<int64_t>();
        if (strict && i == INT64_MIN) fail("schema {}: no integer lies within the bounds", path);
        hi = std::min(hi, strict ? i - 1 : i);
      } else if (v.is_number()) {
        const double d = v.get<double>();
        if (!(d > -9.2e18 && d < 9.2e18)) fail("schema {}: {} is out of range", path, key);
        const double f = std::floor(d);
        hi = std::min(hi, static_cast<int64_t>(strict && f == d ? f - 1 : f));
      } else if (!v.is_boolean()) {
        fail("schema {}: {} must be a number", path, key);
      }
    };
    if (s.contains("minimum")) lower("minimum", draft4_min);
    if (s.contains("exclusiveMinimum")) lower("exclusiveMinimum", true);
    if (s.contains("maximum")) upper("maximum", draft4_max);
    if (s.contains("exclusiveMaximum")) upper("exclusiveMaximum", true);
    if (lo > hi) fail("schema {}: no integer lies within the bounds", path);
    return {lo, hi};
  }

  Symbol compile_ref(const json& ref, const std::string& path, int depth) {
    if (!ref.is_string()) fail("schema {}/$ref: must be a string", path);
    const std::string target = ref.get<std::string>();
    auto it = refs_.find(target);
    if (it != refs_.end()) return Grammar::ref(it->second);
    if (target.empty() || target[0] != '#')
      fail("schema {}/$ref: only local references (#...) are supported", path);
    const json* node = &root_;
    if (target.size() > 1) {
      try {
        node = &root_.at(json::json_pointer(target.substr(1)));
      } catch (const std::exception&) {
        fail("schema {}/$ref: '{}' does not resolve", path, target);
      }
    }
    const uint32_t rule = g_.new_rule();  // registered first so recursive references terminate
    refs_[target] = rule;
    g_.add_alt(rule, {compile(*node, target, depth + 1)});
    return Grammar::ref(rule);
  }

  Symbol compile_enum(const json& values, const std::string& path) {
    if (!values.is_array() || values.empty())
      fail("schema {}/enum: must be a non-empty list", path);
    std::vector<Seq> alts;
    for (const json& v : values) alts.push_back({rules_.lit(v.dump())});
    return Grammar::ref(g_.choice(std::move(alts)));
  }

  Symbol compile_union(const json& list, const std::string& path, int depth) {
    if (!list.is_array() || list.empty()) fail("schema {}: must be a non-empty list", path);
    std::vector<Seq> alts;
    for (size_t i = 0; i < list.size(); ++i) {
      alts.push_back({compile(list[i], path + "/" + std::to_string(i), depth + 1)});
    }
    return Grammar::ref(g_.choice(std::move(alts)));
  }

  Symbol compile_array(const json& s, const std::string& path, int depth) {
    const int min = std::max(count_of(s, "minItems", path), 0);
    const int max = count_of(s, "maxItems", path);
    if (max >= 0 && min > max) fail("schema {}: minItems above maxItems", path);
    const Symbol item =
        s.contains("items") ? compile(s["items"], path + "/items", depth + 1) : rules_.value();
    return rules_.array_of(item, min, max);
  }

  Symbol compile_object(const json& s, const std::string& path, int depth);

  JsonRules rules_;
  Grammar& g_;
  const json& root_;
  std::map<std::string, uint32_t> refs_;
};

Symbol SchemaCompiler::compile_object(const json& s, const std::string& path, int depth) {
  std::vector<std::pair<std::string, const json*>> props;
  static const json kAny = true;
  if (s.contains("properties")) {
    const json& p = s["properties"];
    if (!p.is_object()) fail("schema {}/properties: must be an object", path);
    for (auto it = p.begin(); it != p.end(); ++it) props.emplace_back(it.key(), &it.value());
  }
  std::set<std::string> required;
  if (s.contains("required")) {
    const json& r = s["required"];
    if (!r.is_array()) fail("schema {}/required: must be a list", path);
    for (const json& name : r) {
      if (!name.is_string()) fail("schema {}/required: must list strings", path);
      required.insert(name.get<std::string>());
      bool listed = false;
      for (const auto& [k, v] : props) listed = listed || k == name.get<std::string>();
      if (!listed) props.emplace_back(name.get<std::string>(), &kAny);
    }
  }
  const json extra = s.value("additionalProperties", json(props.empty()));
  if (props.empty() && extra.is_boolean() && extra.get<bool>()) return rules_.any_object();

  // A[i]: properties i.. with nothing written yet; B[i]: the same after something was written
  // (each member then needs a leading comma). Optional properties may be skipped.
  const size_t n = props.size();
  std::vector<uint32_t> a(n + 1), b(n + 1);
  for (size_t i = 0; i <= n; ++i) {
    a[i] = g_.new_rule();
    b[i] = g_.new_rule();
  }
  const Symbol ws = rules_.ws();
  const Symbol comma = rules_.ch(',');
  const Symbol colon = rules_.ch(':');
  if (extra.is_object()) {
    const Symbol value = compile(extra, path + "/additionalProperties", depth + 1);
    const Symbol member = Grammar::ref(g_.sequence({rules_.string(), ws, colon, ws, value}));
    const uint32_t more = g_.repeat(Grammar::ref(g_.sequence({ws, comma, ws, member})), 0, -1);
    g_.add_alt(a[n], {member, Grammar::ref(more)});
    g_.add_alt(a[n], {});
    g_.add_alt(b[n], {Grammar::ref(more)});
  } else {
    g_.add_alt(a[n], {});
    g_.add_alt(b[n], {});
  }
  for (size_t i = n; i-- > 0;) {
    const auto& [name, schema] = props[i];
    const Symbol value = compile(*schema, path + "/properties/" + name, depth + 1);
    const Symbol kv =
        Grammar::ref(g_.sequence({rules_.lit(json(name).dump()), ws, colon, ws, value}));
    g_.add_alt(a[i], {kv, Grammar::ref(b[i + 1])});
    g_.add_alt(b[i], {ws, comma, ws, kv, Grammar::ref(b[i + 1])});
    if (!required.count(name)) {
      g_.add_alt(a[i], {Grammar::ref(a[i + 1])});
      g_.add_alt(b[i], {Grammar::ref(b[i + 1])});
    }
  }
  return Grammar::ref(g_.sequence({rules_.ch('{'), ws, Grammar::ref(a[0]), ws, rules_.ch('}')}));
}

}  // namespace

uint32_t add_json_schema(Grammar& grammar, const nlohmann::ordered_json& schema) {
  SchemaCompiler compiler(grammar, schema);
  const Symbol s = compiler.compile(schema, "#", 0);
  return s.is_rule ? s.id : grammar.sequence({s});
}

uint32_t add_json_value(Grammar& grammar) { return JsonRules(grammar).value().id; }

uint32_t add_json_object(Grammar& grammar) { return JsonRules(grammar).any_object().id; }

uint32_t add_json_ws(Grammar& grammar) { return JsonRules(grammar).ws().id; }

}  // namespace owl::constrain
