// A context-free grammar over bytes, built in code: rules are lists of alternatives, each a
// sequence of byte sets and rule references. JSON Schema and tool-call syntaxes compile to it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace owl::constrain {

// A set of byte values (256 bits).
struct ByteSet {
  std::array<uint64_t, 4> bits{};

  static ByteSet of(uint8_t b);
  static ByteSet range(uint8_t lo, uint8_t hi);
  bool has(uint8_t b) const { return (bits[b >> 6] >> (b & 63)) & 1; }
  void add(uint8_t b) { bits[b >> 6] |= uint64_t{1} << (b & 63); }
  void add_range(uint8_t lo, uint8_t hi);
  ByteSet complement() const;
  bool empty() const { return (bits[0] | bits[1] | bits[2] | bits[3]) == 0; }
  bool operator==(const ByteSet&) const = default;
};

// One element of an alternative: a rule reference or a byte set (by index).
struct Symbol {
  bool is_rule = false;
  uint32_t id = 0;
};

class Grammar {
 public:
  using Seq = std::vector<Symbol>;

  // A rule with no alternatives yet (it matches nothing until add_alt is called), so rules can
  // refer to each other before they are filled in (recursion, $ref).
  uint32_t new_rule();
  void add_alt(uint32_t rule, Seq seq);
  // A byte set (interned). `marker` sets spell fixed syntax (literals, the closing marker of
  // text_until): only there may a special (control) token such as <|end|> be matched; free
  // text and JSON strings use plain sets, so special tokens never appear inside them.
  Symbol bytes(const ByteSet& set, bool marker = false);
  static Symbol ref(uint32_t rule) { return {true, rule}; }

  // Convenience builders; each returns a new rule.
  uint32_t literal(std::string_view text);  // made of marker sets
  uint32_t sequence(Seq seq);
  uint32_t choice(std::vector<Seq> alternatives);
  uint32_t optional(Symbol x);
  // x repeated min..max times (max < 0: unbounded). x must not match the empty string.
  uint32_t repeat(Symbol x, int min, int max);
  // One UTF-8 encoded code point (RFC 3629: no overlongs, no surrogates), whose single-byte
  // (ASCII) members are limited to `ascii`.
  uint32_t utf8_char(const ByteSet& ascii);
  // Any bytes that do not contain `marker`, followed by the marker itself (a KMP automaton
  // written as rules): e.g. reasoning text up to "</think>".
  uint32_t text_until(std::string_view marker);

  void set_root(uint32_t rule) { root_ = rule; }
  uint32_t root() const { return root_; }
  size_t n_rules() const { return rules_.size(); }
  const std::vector<Seq>& alternatives(uint32_t rule) const { return rules_[rule]; }
  const ByteSet& byte_set(uint32_t id) const { return byte_sets_[id]; }
  bool is_marker_set(uint32_t id) const { return marker_sets_[id] != 0; }
  size_t n_byte_sets() const { return byte_sets_.size(); }

  // True when the rule can match the empty string (fixed point over all rules).
  std::vector<bool> nullable_rules() const;

 private:
  std::vector<std::vector<Seq>> rules_;
  std::vector<ByteSet> byte_sets_;
  std::vector<uint8_t> marker_sets_;  // [byte set] 1 for marker sets
  uint32_t root_ = 0;
};

}  // namespace owl::constrain
