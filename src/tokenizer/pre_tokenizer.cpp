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
void apply_behavior(const std::vector<Seg>& segs, SplitBehavior behavior,
                    std::vector<std::pair<size_t, size_t>>& out) {
  out.clear();
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

// Per-depth working memory of the streaming split (reused: no allocation per piece).
struct Scratch {
  std::vector<Seg> segs;
  std::vector<std::pair<size_t, size_t>> ranges;
  std::string prefixed, mapped;
};

struct PreTokenizer::Step {
  enum class Kind { kPattern, kChars, kByteLevel, kMetaspace } kind = Kind::kPattern;
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

  // Splits t and passes each non-empty sub-piece (and whether it starts the input) to next.
  template <typename Next>
  void run(std::string_view t, bool at_start, Scratch& sc, Next&& next) const;
  void segments(std::string_view t, std::vector<Seg>& segs) const;
};

void PreTokenizer::Step::segments(std::string_view t, std::vector<Seg>& segs) const {
  segs.clear();
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
    for (Seg& seg : segs) seg.match = !seg.match;
  }
}

template <typename Next>
void PreTokenizer::Step::run(std::string_view t, bool at_start, Scratch& sc, Next&& next) const {
  auto emit_ranges = [&](std::string_view text) {
    for (const auto& [b, e] : sc.ranges) {
      if (b != e) next(text.substr(b, e - b), at_start && b == 0);  // empty pieces are dropped
    }
  };
  switch (kind) {
    case Kind::kPattern:
    case Kind::kChars:
      segments(t, sc.segs);
      apply_behavior(sc.segs, behavior, sc.ranges);
      emit_ranges(t);
      return;
    case Kind::kByteLevel: {
      std::string_view p = t;
      if (add_prefix_space && (t.empty() || t[0] != ' ')) {
        sc.prefixed.assign(1, ' ');
        sc.prefixed.append(t);
        p = sc.prefixed;
      }
      sc.ranges.clear();
      if (use_regex) {
        sc.segs.clear();
        pattern_segments(pattern, p, sc.segs);
        apply_behavior(sc.segs, SplitBehavior::kIsolated, sc.ranges);
      } else {
        sc.ranges.emplace_back(0, p.size());
      }
      for (const auto& [b, e] : sc.ranges) {
        if (b == e) continue;
        sc.mapped.clear();
        byte_level::encode(p.substr(b, e - b), sc.mapped);
        next(std::string_view(sc.mapped), at_start && b == 0);
      }
      return;
    }
    case Kind::kMetaspace: {
      sc.prefixed = TextPattern::literal(" ").replace_all(t, replacement);
      bool starts = sc.prefixed.compare(0, replacement.size(), replacement) == 0;
      if (!starts && (prepend == Prepend::kAlways || (prepend == Prepend::kFirst && at_start))) {
        sc.prefixed = replacement + sc.prefixed;
      }
      std::string_view p = sc.prefixed;
      if (!split) {
        if (!p.empty()) next(p, at_start);
        return;
      }
      sc.segs.clear();
      pattern_segments(TextPattern::literal(replacement), p, sc.segs);
      apply_behavior(sc.segs, SplitBehavior::kMergedWithNext, sc.ranges);
      emit_ranges(p);
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
    // Whitespace removed, then every punctuation character isolated.
    s->kind = Step::Kind::kChars;
    s->chars = CharClass::kWhitespace;
    s->behavior = SplitBehavior::kRemoved;
    steps_.push_back(std::move(s));
    add_punctuation(SplitBehavior::kIsolated);
    return;
  } else {
    fail("{}: unsupported pre-tokenizer type '{}'", where, type);
  }
  steps_.push_back(std::move(s));
}

void PreTokenizer::run_from(size_t step, std::string_view text, bool at_start,
                            const WordFn& emit) const {
  if (step == steps_.size()) {
    emit(text, at_start);
    return;
  }
  thread_local std::vector<Scratch> scratch;
  if (scratch.size() < steps_.size()) scratch.resize(steps_.size());
  steps_[step]->run(text, at_start, scratch[step], [&](std::string_view piece, bool start) {
    run_from(step + 1, piece, start, emit);
  });
}

void PreTokenizer::split(std::string_view text, bool at_start, const WordFn& emit) const {
  if (!text.empty()) run_from(0, text, at_start, emit);
}

std::vector<PreToken> PreTokenizer::split(std::string_view text, bool at_start) const {
  std::vector<PreToken> out;
  split(text, at_start, [&](std::string_view w, bool start) {
    out.push_back({std::string(w), start});
  });
  return out;
}

}  // namespace owl
