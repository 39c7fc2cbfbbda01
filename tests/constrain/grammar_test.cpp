// Grammar matcher: literals, choices, bounded/unbounded repetition and text_until checked
// against brute-force definitions; the token trie mask against a direct per-token check.
#include "constrain/grammar.h"

#include <gtest/gtest.h>

#include <random>

#include "base/error.h"
#include "constrain/grammar_constraint.h"
#include "constrain/matcher.h"
#include "constrain/test_vocab.h"

namespace owl::constrain {
namespace {

bool accepts(const Grammar& g, std::string_view text) {
  Matcher m(g, owl::testing::byte_vocab());
  MatchState s = m.start();
  m.advance(s, text);
  return m.accepting(s);
}

TEST(Grammar, LiteralAndChoice) {
  Grammar g;
  g.set_root(g.choice({{Grammar::ref(g.literal("cat"))}, {Grammar::ref(g.literal("cart"))}}));
  EXPECT_TRUE(accepts(g, "cat"));
  EXPECT_TRUE(accepts(g, "cart"));
  EXPECT_FALSE(accepts(g, "ca"));
  EXPECT_FALSE(accepts(g, "cats"));
  EXPECT_FALSE(accepts(g, ""));
}

TEST(Grammar, RepeatCounts) {
  for (int min = 0; min <= 3; ++min) {
    for (int max : {-1, 0, 1, 2, 5}) {
      if (max >= 0 && max < min) continue;
      Grammar g;
      g.set_root(g.repeat(g.bytes(ByteSet::of('a')), min, max));
      for (int n = 0; n <= 8; ++n) {
        const bool expect = n >= min && (max < 0 || n <= max);
        EXPECT_EQ(accepts(g, std::string(static_cast<size_t>(n), 'a')), expect)
            << min << ".." << max << " n=" << n;
      }
    }
  }
}

TEST(Grammar, LongRepetitionStaysFlat) {
  Grammar g;
  g.set_root(g.repeat(g.bytes(ByteSet::of('x')), 0, -1));
  Matcher m(g, owl::testing::byte_vocab());
  MatchState s = m.start();
  m.advance(s, std::string(100000, 'x'));
  EXPECT_TRUE(m.accepting(s));
  EXPECT_LT(m.stats().states, 5);  // the right recursion did not grow the stack
}

TEST(Grammar, TextUntilMatchesBruteForce) {
  std::mt19937 rng(3);
  for (const std::string marker : {"</think>", "aab", "<|end|>", "aaa"}) {
    Grammar g;
    g.set_root(g.text_until(marker));
    const std::string alphabet = marker + "x";
    for (int i = 0; i < 3000; ++i) {
      std::string s;
      const size_t n = rng() % 20;
      for (size_t k = 0; k < n; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
      if (rng() % 2) s += marker;
      // Definition: the first occurrence of the marker ends exactly at the end of the text.
      const size_t first = s.find(marker);
      const bool expect = first != std::string::npos && first + marker.size() == s.size();
      ASSERT_EQ(accepts(g, s), expect) << marker << " / " << s;
    }
  }
}

TEST(Grammar, MaskEqualsPerTokenCheck) {
  Grammar g;
  const Symbol digit = g.bytes(ByteSet::range('0', '9'));
  g.set_root(g.sequence({Grammar::ref(g.literal("{\"")), Grammar::ref(g.repeat(digit, 1, 3)),
                         Grammar::ref(g.literal("\"}"))}));
  auto vocab = owl::testing::fragment_vocab();
  auto matcher = std::make_shared<Matcher>(g, vocab);
  for (const std::string prefix :
       {"", "{", "{\"", "{\"1", "{\"12", "{\"123", "{\"1\"", "{\"1\"}"}) {
    MatchState s = matcher->start();
    matcher->advance(s, prefix);
    std::vector<uint8_t> allowed(static_cast<size_t>(vocab->size()), 1);
    matcher->mask(s, allowed);
    for (int32_t id = 0; id < vocab->size(); ++id) {
      bool expect;
      if (vocab->is_eog(id)) {
        expect = matcher->accepting(s);
      } else if (vocab->bytes(id).empty()) {
        expect = false;
      } else {
        MatchState t = s;
        matcher->advance(t, vocab->bytes(id));
        expect = t.id >= 0;
      }
      ASSERT_EQ(allowed[static_cast<size_t>(id)] != 0, expect)
          << "prefix '" << prefix << "' token '" << vocab->bytes(id) << "'";
    }
  }
}

TEST(GrammarConstraint, CompleteWhenNothingCanFollow) {
  Grammar g;
  g.set_root(g.choice({{Grammar::ref(g.literal("ab"))}, {Grammar::ref(g.literal("abc"))}}));
  auto vocab = owl::testing::byte_vocab();
  GrammarConstraint c(std::make_shared<Matcher>(g, vocab));
  c.accept('a');
  c.accept('b');
  EXPECT_TRUE(c.accepting());
  EXPECT_FALSE(c.complete());  // "abc" is still possible
  std::vector<uint8_t> allowed(257, 1);
  c.mask(allowed);
  EXPECT_TRUE(allowed[256]);  // end of generation allowed: "ab" is complete
  EXPECT_TRUE(allowed['c']);
  EXPECT_FALSE(allowed['b']);
  c.accept('c');
  EXPECT_TRUE(c.complete());
}

TEST(GrammarConstraint, DeadStateAllowsOnlyEnd) {
  Grammar g;
  g.set_root(g.literal("ab"));
  auto vocab = owl::testing::byte_vocab();
  GrammarConstraint c(std::make_shared<Matcher>(g, vocab));
  c.accept('z');  // an engine that ignored the mask
  EXPECT_TRUE(c.dead());
  EXPECT_TRUE(c.complete());
  std::vector<uint8_t> allowed(257, 1);
  c.mask(allowed);
  for (int i = 0; i < 256; ++i) ASSERT_FALSE(allowed[static_cast<size_t>(i)]);
  EXPECT_TRUE(allowed[256]);
}

TEST(GrammarConstraint, EmptyLoopsTerminate) {
  // a -> b | "x";  b -> a : an empty cycle beside a real alternative.
  Grammar g;
  const uint32_t a = g.new_rule();
  const uint32_t b = g.new_rule();
  g.add_alt(a, {Grammar::ref(b)});
  g.add_alt(a, {g.bytes(ByteSet::of('x'))});
  g.add_alt(b, {Grammar::ref(a)});
  g.set_root(a);
  EXPECT_TRUE(accepts(g, "x"));
  EXPECT_FALSE(accepts(g, ""));
  // Only the cycle: matches nothing, and says so instead of hanging.
  Grammar h;
  const uint32_t c = h.new_rule();
  h.add_alt(c, {Grammar::ref(c)});
  h.set_root(c);
  Matcher m(h, owl::testing::byte_vocab());
  MatchState s = m.start();
  EXPECT_LT(s.id, 0);
}

TEST(ReasoningBudget, ForcesCloseAfterBudget) {
  auto vocab = owl::testing::fragment_vocab();
  int32_t close = -1, open = -1;
  for (int32_t id = 0; id < vocab->size(); ++id) {
    if (vocab->bytes(id) == "</think>") close = id;
    if (vocab->bytes(id) == "<think>") open = id;
  }
  ReasoningBudget::Options o;
  o.open_text = "<think>";
  o.close_text = "</think>";
  o.forced_close = {'\n', close, '\n', '\n'};
  o.budget = 3;
  ReasoningBudget rb(o, vocab, nullptr);
  std::vector<uint8_t> allowed(static_cast<size_t>(vocab->size()), 1);
  rb.mask(allowed);
  EXPECT_TRUE(allowed['a']);  // nothing forced before thinking starts
  rb.accept(open);
  for (int i = 0; i < 3; ++i) {
    allowed.assign(allowed.size(), 1);
    rb.mask(allowed);
    EXPECT_TRUE(allowed['x']);
    rb.accept('x');
  }
  for (int32_t want : o.forced_close) {
    allowed.assign(allowed.size(), 1);
    rb.mask(allowed);
    int n_allowed = 0;
    for (uint8_t a : allowed) n_allowed += a;
    EXPECT_EQ(n_allowed, 1);
    EXPECT_TRUE(allowed[static_cast<size_t>(want)]);
    rb.accept(want);
  }
  allowed.assign(allowed.size(), 1);
  rb.mask(allowed);
  EXPECT_TRUE(allowed['y']);  // the answer is free again
  EXPECT_TRUE(rb.forced());
  EXPECT_EQ(rb.thinking_tokens(), 3);
}

TEST(ReasoningBudget, NaturalCloseForcesNothing) {
  auto vocab = owl::testing::fragment_vocab();
  int32_t close = -1;
  for (int32_t id = 0; id < vocab->size(); ++id) {
    if (vocab->bytes(id) == "</think>") close = id;
  }
  ReasoningBudget::Options o;
  o.close_text = "</think>";  // the prompt opened the thinking
  o.forced_close = {close};
  o.budget = 20;
  ReasoningBudget rb(o, vocab, nullptr);
  rb.accept('a');
  rb.accept('<');  // the marker written byte by byte still counts
  for (char c : std::string("/think>")) rb.accept(static_cast<unsigned char>(c));
  for (int i = 0; i < 10; ++i) {
    std::vector<uint8_t> allowed(static_cast<size_t>(vocab->size()), 1);
    rb.mask(allowed);
    EXPECT_TRUE(allowed['z']);
    rb.accept('z');
  }
  EXPECT_FALSE(rb.forced());
}

}  // namespace
}  // namespace owl::constrain
