// Pre-tokenizer steps and the generic split with Hugging Face's delimiter behaviours.
#include "tokenizer/pre_tokenizer.h"

#include <utility>

#include "base/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace owl {

const char* const kGpt2Regex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

namespace {

// A run of a piece: [b, e) and whether it is a delimiter match.
struct Seg {
  size_t b, e;
  bool match;
};

enum class CharClass { kNumeric, kPunctuation, kWhitespace, kDelimiter };

// Segments for a regex/literal pattern: matches and the gaps between them.
void pattern_segments(const TextPattern& p, std::string_view t, std::vector<Seg>& segs) {
  std::vector<std::pair<size_t, size_t>> m;
  p.find_all(t, m);
  size_t prev = 0;
  for (const auto& [b, e] : m) {
    if (prev != b) segs.push_back({prev, b, false});
    segs.push_back({b, e, true});
    prev = e;
  }
  if (prev != t.size()) segs.push_back({prev, t.size(), false});
}

// Segments for a character predicate: every accepted character is its own match.
template <typename Pred>
void char_segments(Pred pred, std::string_view t, std::vector<Seg>& segs) {
  size_t last = 0, i = 0;
  while (i < t.size()) {
    size_t start = i;
    uint32_t cp = utf8::decode(t, i);
    if (pred(cp)) {
      if (last < start) segs.push_back({last, start, false});
      segs.push_back({start, i, true});
      last = i;
    }
  }
  if (last < t.size()) segs.push_back({last, t.size(), false});
}

// Applies a delimiter behaviour (tokenizers' NormalizedString::split) to the segments.
std::vector<std::pair<size_t, size_t>> apply_behavior(const std::vector<Seg>& segs,
                                                      SplitBehavior behavior) {
  std::vector<std::pair<size_t, size_t>> out;
  bool prev_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const Seg& s : segs) {
        if (!s.match) out.emplace_back(s.b, s.e);
      }
      break;
    case SplitBehavior::kIsolated:
      for (const Seg& s : segs) out.emplace_back(s.b, s.e);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Seg& s : segs) {
        if (s.match && !prev_match && !out.empty()) {
          out.back().second = s.e;
        } else {
          out.emplace_back(s.b, s.e);
        }
        prev_match = s.match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (size_t k = segs.size(); k-- > 0;) {
        const Seg& s = segs[k];
        if (s.match && !prev_match && !out.empty()) {
          out.back().first = s.b;
        } else {
          out.emplace_back(s.b, s.e);
        }
        prev_match = s.match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (size_t k = 0; k < segs.size(); ++k) {
        const Seg& s = segs[k];
        if (k > 0 && s.match == prev_match) {
          out.back().second = s.e;
        } else {
          out.emplace_back(s.b, s.e);
        }
        prev_match = s.match;
      }
      break;
  }
  return out;
}

SplitBehavior parse_behavior(const std::string& name, const std::string& where) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  fail("{}: unknown split behavior '{}'", where, name);
}

}  // namespace

struct PreTokenizer::Step {
  enum class Kind { kPattern, kChars, kByteLevel, kMetaspace, kBert } kind = Kind::kPattern;
  TextPattern pattern;
  CharClass chars = CharClass::kNumeric;
  uint32_t delimiter = 0;
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  // ByteLevel.
  bool add_prefix_space = false;
  bool use_regex = false;
  // Metaspace.
  std::string replacement;
  enum class Prepend { kAlways, kFirst, kNever } prepend = Prepend::kAlways;
  bool split = true;

  void run(const PreToken& in, std::vector<PreToken>& out) const;
  void split_piece(const PreToken& in, const std::vector<Seg>& segs, SplitBehavior b,
                   std::vector<PreToken>& out) const;
  void segments(std::string_view t, std::vector<Seg>& segs) const;
};

void PreTokenizer::Step::segments(std::string_view t, std::vector<Seg>& segs) const {
  if (kind == Kind::kPattern) {
    pattern_segments(pattern, t, segs);
  } else {
    switch (chars) {
      case CharClass::kNumeric:
        char_segments(unicode::is_numeric, t, segs);
        break;
      case CharClass::kPunctuation:
        char_segments(unicode::is_punctuation, t, segs);
        break;
      case CharClass::kWhitespace:
        char_segments(unicode::is_whitespace, t, segs);
        break;
      case CharClass::kDelimiter:
        char_segments([this](uint32_t c) { return c == delimiter; }, t, segs);
        break;
    }
  }
  if (invert) {
    for (Seg& s : segs) s.match = !s.match;
  }
}

void PreTokenizer::Step::split_piece(const PreToken& in, const std::vector<Seg>& segs,
                                     SplitBehavior b, std::vector<PreToken>& out) const {
  for (const auto& [s, e] : apply_behavior(segs, b)) {
    if (s == e) continue;  // empty pieces are dropped
    out.push_back({in.text.substr(s, e - s), in.at_start && s == 0});
  }
}

void PreTokenizer::Step::run(const PreToken& in, std::vector<PreToken>& out) const {
  std::vector<Seg> segs;
  switch (kind) {
    case Kind::kPattern:
    case Kind::kChars:
      segments(in.text, segs);
      split_piece(in, segs, behavior, out);
      return;
    case Kind::kBert: {
      // Whitespace removed, then every punctuation character isolated.
      char_segments(unicode::is_whitespace, in.text, segs);
      std::vector<PreToken> words;
      split_piece(in, segs, SplitBehavior::kRemoved, words);
      for (const PreToken& w : words) {
        segs.clear();
        char_segments(unicode::is_punctuation, w.text, segs);
        split_piece(w, segs, SplitBehavior::kIsolated, out);
      }
      return;
    }
    case Kind::kByteLevel: {
      PreToken p = in;
      if (add_prefix_space && (p.text.empty() || p.text[0] != ' ')) p.text = " " + p.text;
      std::vector<PreToken> parts;
      if (use_regex) {
        pattern_segments(pattern, p.text, segs);
        split_piece(p, segs, SplitBehavior::kIsolated, parts);
      } else if (!p.text.empty()) {
        parts.push_back(std::move(p));
      }
      for (PreToken& part : parts) {
        std::string mapped;
        mapped.reserve(part.text.size() * 2);
        byte_level::encode(part.text, mapped);
        out.push_back({std::move(mapped), part.at_start});
      }
      return;
    }
    case Kind::kMetaspace: {
      PreToken p{TextPattern::literal(" ").replace_all(in.text, replacement), in.at_start};
      bool starts = p.text.compare(0, replacement.size(), replacement) == 0;
      if (!starts && (prepend == Prepend::kAlways || (prepend == Prepend::kFirst && in.at_start))) {
        p.text = replacement + p.text;
      }
      if (!split) {
        if (!p.text.empty()) out.push_back(std::move(p));
        return;
      }
      pattern_segments(TextPattern::literal(replacement), p.text, segs);
      split_piece(p, segs, SplitBehavior::kMergedWithNext, out);
      return;
    }
  }
}

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

PreTokenizer PreTokenizer::from_json(const json_util::Json& j, const std::string& where) {
  PreTokenizer p;
  if (!j.is_null()) p.parse(j, where);
  return p;
}

void PreTokenizer::add_split_regex(std::string_view pattern, SplitBehavior behavior, bool invert) {
  auto s = std::make_shared<Step>();
  s->kind = Step::Kind::kPattern;
  s->pattern = TextPattern::regex(pattern);
  s->behavior = behavior;
  s->invert = invert;
  steps_.push_back(std::move(s));
}

void PreTokenizer::add_byte_level(bool add_prefix_space, bool use_regex) {
  auto s = std::make_shared<Step>();
  s->kind = Step::Kind::kByteLevel;
  s->add_prefix_space = add_prefix_space;
  s->use_regex = use_regex;
  if (use_regex) s->pattern = TextPattern::regex(kGpt2Regex);
  steps_.push_back(std::move(s));
}

void PreTokenizer::add_digits(bool individual) {
  auto s = std::make_shared<Step>();
  s->kind = Step::Kind::kChars;
  s->chars = CharClass::kNumeric;
  s->behavior = individual ? SplitBehavior::kIsolated : SplitBehavior::kContiguous;
  steps_.push_back(std::move(s));
}

void PreTokenizer::add_punctuation(SplitBehavior behavior) {
  auto s = std::make_shared<Step>();
  s->kind = Step::Kind::kChars;
  s->chars = CharClass::kPunctuation;
  s->behavior = behavior;
  steps_.push_back(std::move(s));
}

void PreTokenizer::parse(const json_util::Json& j, const std::string& where) {
  using namespace json_util;
  std::string type = type_of(j, where);
  auto s = std::make_shared<Step>();
  if (type == "Sequence") {
    const Json& list = field(j, "pretokenizers", where);
    if (!list.is_array()) fail("{}.pretokenizers: expected an array", where);
    for (size_t i = 0; i < list.size(); ++i) {
      parse(list[i], where + ".pretokenizers[" + std::to_string(i) + "]");
    }
    return;
  } else if (type == "Split") {
    s->kind = Step::Kind::kPattern;
    s->pattern = TextPattern::from_json(field(j, "pattern", where), where + ".pattern");
    s->behavior = parse_behavior(get_string(j, "behavior", where), where + ".behavior");
    s->invert = get_bool(j, "invert", false, where);
  } else if (type == "ByteLevel") {
    add_byte_level(get_bool(j, "add_prefix_space", true, where),
                   get_bool(j, "use_regex", true, where));
    return;
  } else if (type == "Metaspace") {
    s->kind = Step::Kind::kMetaspace;
    s->replacement = opt_string(j, "replacement", where).value_or("\xE2\x96\x81");
    size_t i = 0;
    utf8::decode(s->replacement, i);
    if (s->replacement.empty() || i != s->replacement.size()) {
      fail("{}.replacement: expected a single character", where);
    }
    if (auto scheme = opt_string(j, "prepend_scheme", where)) {
      if (*scheme == "always") {
        s->prepend = Step::Prepend::kAlways;
      } else if (*scheme == "first") {
        s->prepend = Step::Prepend::kFirst;
      } else if (*scheme == "never") {
        s->prepend = Step::Prepend::kNever;
      } else {
        fail("{}.prepend_scheme: unknown value '{}'", where, *scheme);
      }
    } else {
      bool add = get_bool(j, "add_prefix_space", true, where);
      s->prepend = add ? Step::Prepend::kAlways : Step::Prepend::kNever;
    }
    s->split = get_bool(j, "split", true, where);
  } else if (type == "Digits") {
    add_digits(get_bool(j, "individual_digits", false, where));
    return;
  } else if (type == "Punctuation") {
    auto b = opt_string(j, "behavior", where);
    add_punctuation(b ? parse_behavior(*b, where + ".behavior") : SplitBehavior::kIsolated);
    return;
  } else if (type == "Whitespace") {
    s->kind = Step::Kind::kPattern;
    s->pattern = TextPattern::regex("\\w+|[^\\w\\s]+");
    s->behavior = SplitBehavior::kRemoved;
    s->invert = true;
  } else if (type == "WhitespaceSplit") {
    s->kind = Step::Kind::kChars;
    s->chars = CharClass::kWhitespace;
    s->behavior = SplitBehavior::kRemoved;
  } else if (type == "CharDelimiterSplit") {
    s->kind = Step::Kind::kChars;
    s->chars = CharClass::kDelimiter;
    std::string d = get_string(j, "delimiter", where);
    size_t i = 0;
    s->delimiter = utf8::decode(d, i);
    if (d.empty() || i != d.size()) fail("{}.delimiter: expected a single character", where);
    s->behavior = SplitBehavior::kRemoved;
  } else if (type == "BertPreTokenizer") {
    s->kind = Step::Kind::kBert;
  } else {
    fail("{}: unsupported pre-tokenizer type '{}'", where, type);
  }
  steps_.push_back(std::move(s));
}

void PreTokenizer::apply(std::vector<PreToken>& pieces) const {
  std::vector<PreToken> next;
  for (const auto& step : steps_) {
    next.clear();
    next.reserve(pieces.size() * 2);
    for (const PreToken& p : pieces) step->run(p, next);
    pieces.swap(next);
  }
}

}  // namespace owl
