// Grammar construction: byte sets, rules, and the repetition / text-until-marker builders.
#include "constrain/grammar.h"

#include "base/error.h"

namespace owl::constrain {

ByteSet ByteSet::of(uint8_t b) {
  ByteSet s;
  s.add(b);
  return s;
}

ByteSet ByteSet::range(uint8_t lo, uint8_t hi) {
  ByteSet s;
  s.add_range(lo, hi);
  return s;
}

void ByteSet::add_range(uint8_t lo, uint8_t hi) {
  for (int b = lo; b <= hi; ++b) add(static_cast<uint8_t>(b));
}

ByteSet ByteSet::complement() const {
  ByteSet s;
  for (int i = 0; i < 4; ++i) s.bits[i] = ~bits[i];
  return s;
}

uint32_t Grammar::new_rule() {
  rules_.emplace_back();
  return static_cast<uint32_t>(rules_.size() - 1);
}

void Grammar::add_alt(uint32_t rule, Seq seq) { rules_.at(rule).push_back(std::move(seq)); }

Symbol Grammar::bytes(const ByteSet& set, bool marker) {
  for (size_t i = 0; i < byte_sets_.size(); ++i) {
    if (byte_sets_[i] == set && marker_sets_[i] == marker) return {false, static_cast<uint32_t>(i)};
  }
  byte_sets_.push_back(set);
  marker_sets_.push_back(marker ? 1 : 0);
  return {false, static_cast<uint32_t>(byte_sets_.size() - 1)};
}

uint32_t Grammar::literal(std::string_view text) {
  Seq seq;
  for (char c : text) seq.push_back(bytes(ByteSet::of(static_cast<uint8_t>(c)), true));
  return sequence(std::move(seq));
}

uint32_t Grammar::sequence(Seq seq) {
  const uint32_t r = new_rule();
  add_alt(r, std::move(seq));
  return r;
}

uint32_t Grammar::choice(std::vector<Seq> alternatives) {
  const uint32_t r = new_rule();
  for (auto& alt : alternatives) add_alt(r, std::move(alt));
  return r;
}

uint32_t Grammar::optional(Symbol x) { return choice({{x}, {}}); }

uint32_t Grammar::repeat(Symbol x, int min, int max) {
  OWL_CHECK(min >= 0, "grammar: negative repeat count");
  constexpr int kMaxExpansion = 4096;  // longer finite ranges are treated as unbounded
  if (max >= 0 && max < min) fail("grammar: repeat max {} below min {}", max, min);
  if (min > kMaxExpansion) fail("grammar: repeat count {} too large", min);
  uint32_t tail;
  if (max < 0 || max - min > kMaxExpansion) {
    tail = new_rule();  // tail ::= x tail | ""  (right recursion: the matcher keeps it flat)
    add_alt(tail, {x, ref(tail)});
    add_alt(tail, {});
  } else {
    tail = choice({{}});
    for (int k = 0; k < max - min; ++k) tail = choice({{x, ref(tail)}, {}});
  }
  Seq seq(static_cast<size_t>(min), x);
  seq.push_back(ref(tail));
  return sequence(std::move(seq));
}

uint32_t Grammar::utf8_char(const ByteSet& ascii) {
  ByteSet low = ascii;
  low.bits[2] = low.bits[3] = 0;  // only 0x00-0x7f stand alone
  const Symbol cont = bytes(ByteSet::range(0x80, 0xbf));
  ByteSet e1 = ByteSet::range(0xe1, 0xec);
  e1.add_range(0xee, 0xef);
  return choice({
      {bytes(low)},
      {bytes(ByteSet::range(0xc2, 0xdf)), cont},
      {bytes(ByteSet::of(0xe0)), bytes(ByteSet::range(0xa0, 0xbf)), cont},
      {bytes(e1), cont, cont},
      {bytes(ByteSet::of(0xed)), bytes(ByteSet::range(0x80, 0x9f)), cont},
      {bytes(ByteSet::of(0xf0)), bytes(ByteSet::range(0x90, 0xbf)), cont, cont},
      {bytes(ByteSet::range(0xf1, 0xf3)), cont, cont, cont},
      {bytes(ByteSet::of(0xf4)), bytes(ByteSet::range(0x80, 0x8f)), cont, cont},
  });
}

uint32_t Grammar::text_until(std::string_view marker) {
  OWL_CHECK(!marker.empty(), "grammar: empty marker");
  const size_t n = marker.size();
  // KMP automaton: next[k][b] = marker bytes matched after reading b with k matched.
  std::vector<std::array<uint32_t, 256>> next(n);
  std::vector<size_t> fail_to(n + 1, 0);
  for (size_t i = 1; i < n; ++i) {
    size_t k = fail_to[i];
    while (k > 0 && marker[i] != marker[k]) k = fail_to[k];
    fail_to[i + 1] = marker[i] == marker[k] ? k + 1 : 0;
  }
  for (size_t k = 0; k < n; ++k) {
    for (int b = 0; b < 256; ++b) {
      if (static_cast<uint8_t>(marker[k]) == b) {
        next[k][b] = static_cast<uint32_t>(k + 1);
      } else {
        next[k][b] = k == 0 ? 0 : next[fail_to[k]][b];
      }
    }
  }
  std::vector<uint32_t> state(n);
  for (size_t k = 0; k < n; ++k) state[k] = new_rule();
  for (size_t k = 0; k < n; ++k) {
    std::vector<ByteSet> to(n + 1);
    for (int b = 0; b < 256; ++b) to[next[k][b]].add(static_cast<uint8_t>(b));
    for (size_t t = 0; t <= n; ++t) {
      if (to[t].empty()) continue;
      // Advancing along the marker is fixed syntax; falling back is free text.
      const Symbol set = bytes(to[t], t == k + 1);
      if (t == n) {
        add_alt(state[k], {set});
      } else {
        add_alt(state[k], {set, ref(state[t])});
      }
    }
  }
  return state[0];
}

std::vector<bool> Grammar::nullable_rules() const {
  std::vector<bool> nullable(rules_.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t r = 0; r < rules_.size(); ++r) {
      if (nullable[r]) continue;
      for (const Seq& alt : rules_[r]) {
        bool all = true;
        for (const Symbol& s : alt) {
          if (!s.is_rule || !nullable[s.id]) {
            all = false;
            break;
          }
        }
        if (all) {
          nullable[r] = true;
          changed = true;
          break;
        }
      }
    }
  }
  return nullable;
}

}  // namespace owl::constrain
