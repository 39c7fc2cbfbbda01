// Per-token decoder steps (tokenizers/src/decoders/*.rs semantics).
#include "tokenizer/decoder.h"

#include "base/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/utf8.h"

namespace owl {

namespace {

enum class Kind { kByteLevel, kReplace, kByteFallback, kStrip, kMetaspace, kWordPiece };

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of a "<0xNN>" token, or -1.
int fallback_byte(std::string_view t) {
  if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
  int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

}  // namespace

struct Decoder::Step {
  Kind kind;
  TextPattern pattern;  // Replace
  std::string content;  // Replace content; Strip/Metaspace character; WordPiece prefix
  size_t start = 0, stop = 0;
  bool whole_output = false;  // Strip after a Fuse/ByteLevel: acts on the start of the output
  bool strip_first = false;   // Metaspace: drop the replacement in the first token
  bool cleanup = false;       // WordPiece

  void apply(std::string& t, Decoder::State& st) const;
};

void Decoder::Step::apply(std::string& t, Decoder::State& st) const {
  const bool first = st.first;
  switch (kind) {
    case Kind::kByteLevel: {
      std::string bytes;
      if (byte_level::decode(t, bytes)) t.swap(bytes);
      return;
    }
    case Kind::kReplace:
      t = pattern.replace_all(t, content);
      return;
    case Kind::kByteFallback: {
      int b = fallback_byte(t);
      if (b >= 0) t.assign(1, static_cast<char>(b));
      return;
    }
    case Kind::kStrip: {
      // After a Fuse the strip acts once on the start of the whole text: only while nothing
      // has been output, and for at most `start` characters in all.
      if (whole_output && st.produced) return;
      size_t n = whole_output ? st.stripped : 0;
      while (n < start && !t.empty() && t.compare(0, content.size(), content) == 0) {
        t.erase(0, content.size());
        ++n;
      }
      if (whole_output) st.stripped = n;
      for (size_t k = 0; k < stop && t.size() >= content.size() &&
                         t.compare(t.size() - content.size(), content.size(), content) == 0;
           ++k) {
        t.resize(t.size() - content.size());
      }
      return;
    }
    case Kind::kMetaspace:
      // Hugging Face drops every replacement character of the first token when a prefix space
      // was prepended, and turns the others into spaces.
      replace_all(t, content, first && strip_first ? "" : " ");
      return;
    case Kind::kWordPiece:
      if (t.compare(0, content.size(), content) == 0) {
        t.erase(0, content.size());
      } else if (!first) {
        t = std::string(" ") + t;  // (not insert(): GCC 12 warns falsely)
      }
      if (cleanup) t = clean_up_tokenization(t);
      return;
  }
}

Decoder::Decoder() = default;
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

Decoder Decoder::from_json(const json_util::Json& j, const std::string& where) {
  Decoder d;
  bool fused = false;
  if (!j.is_null()) d.parse(j, where, fused);
  return d;
}

Decoder Decoder::byte_level() {
  Decoder d;
  auto s = std::make_shared<Step>();
  s->kind = Kind::kByteLevel;
  d.steps_.push_back(std::move(s));
  return d;
}

Decoder Decoder::sentencepiece(std::string_view space, bool strip_first) {
  Decoder d;
  if (space != " ") {
    auto s = std::make_shared<Step>();
    s->kind = Kind::kReplace;
    s->pattern = TextPattern::literal(std::string(space));
    s->content.assign(1, ' ');
    d.steps_.push_back(std::move(s));
  }
  auto b = std::make_shared<Step>();
  b->kind = Kind::kByteFallback;
  d.steps_.push_back(std::move(b));
  if (strip_first) {
    auto s = std::make_shared<Step>();
    s->kind = Kind::kStrip;
    s->content.assign(1, ' ');
    s->start = 1;
    s->whole_output = true;
    d.steps_.push_back(std::move(s));
  }
  return d;
}

void Decoder::parse(const json_util::Json& j, const std::string& where, bool& fused) {
  using namespace json_util;
  std::string type = type_of(j, where);
  auto s = std::make_shared<Step>();
  if (type == "Sequence") {
    const Json& list = field(j, "decoders", where);
    if (!list.is_array()) fail("{}.decoders: expected an array", where);
    for (size_t i = 0; i < list.size(); ++i) {
      parse(list[i], where + ".decoders[" + std::to_string(i) + "]", fused);
    }
    return;
  } else if (type == "ByteLevel") {
    s->kind = Kind::kByteLevel;
    fused = true;  // the ByteLevel decoder returns the whole text as one string
  } else if (type == "Replace") {
    s->kind = Kind::kReplace;
    s->pattern = TextPattern::from_json(field(j, "pattern", where), where + ".pattern");
    s->content = get_string(j, "content", where);
  } else if (type == "ByteFallback") {
    s->kind = Kind::kByteFallback;
  } else if (type == "Fuse") {
    fused = true;
    return;
  } else if (type == "Strip") {
    s->kind = Kind::kStrip;
    s->content = get_string(j, "content", where);
    s->start = static_cast<size_t>(opt_int(j, "start", 0, where));
    s->stop = static_cast<size_t>(opt_int(j, "stop", 0, where));
    s->whole_output = fused;
    if (fused && s->stop > 0) fail("{}: Strip with stop > 0 after Fuse is not supported", where);
  } else if (type == "Metaspace") {
    s->kind = Kind::kMetaspace;
    s->content = opt_string(j, "replacement", where).value_or("\xE2\x96\x81");
    if (auto scheme = opt_string(j, "prepend_scheme", where)) {
      s->strip_first = *scheme != "never";
    } else {
      s->strip_first = get_bool(j, "add_prefix_space", true, where);
    }
  } else if (type == "WordPiece") {
    s->kind = Kind::kWordPiece;
    s->content = opt_string(j, "prefix", where).value_or("##");
    s->cleanup = get_bool(j, "cleanup", true, where);
  } else {
    fail("{}: unsupported decoder type '{}'", where, type);
  }
  steps_.push_back(std::move(s));
}

void Decoder::decode_token(std::string_view token, State& state, std::string& out) const {
  std::string t(token);
  for (const auto& step : steps_) step->apply(t, state);
  out += t;
  state.first = false;
  state.produced = state.produced || !t.empty();
}

std::string clean_up_tokenization(std::string_view text) {
  std::string s(text);
  // transformers' PreTrainedTokenizerBase.clean_up_tokenization, replacements in this order.
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kRules) replace_all(s, from, to);
  return s;
}

}  // namespace owl
