// Normalizer steps, parsed from tokenizer.json and applied in order.
#include "tokenizer/normalizer.h"

#include "base/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace owl {

namespace {

enum class Kind {
  kForm,  // NFC / NFD / NFKC / NFKD
  kLowercase,
  kStrip,
  kStripAccents,  // removes combining marks (the file puts an NFD before it)
  kReplace,
  kPrepend,
  kBert,
  kByteLevel,
};

std::string strip_ws(std::string_view s, bool left, bool right) {
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e) {
      size_t i = b;
      if (!unicode::is_whitespace(utf8::decode(s, i))) break;
      b = i;
    }
  }
  if (right) {
    while (e > b) {
      size_t start = e - 1;
      while (start > b && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
      size_t i = start;
      if (!unicode::is_whitespace(utf8::decode(s, i))) break;
      e = start;
    }
  }
  return std::string(s.substr(b, e - b));
}

// Drops the characters pred accepts.
template <typename Pred>
std::string remove_if(std::string_view s, Pred pred) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    uint32_t cp = utf8::decode(s, i);
    if (!pred(cp)) out.append(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

struct Normalizer::Step {
  Kind kind;
  unicode::Form form = unicode::Form::kNFC;
  bool left = false, right = false;  // Strip
  TextPattern pattern;               // Replace
  std::string content;               // Replace content / Prepend text
  // BertNormalizer flags.
  bool clean_text = false, chinese = false, strip_accents = false, lowercase = false;

  std::string apply(std::string_view s) const;
  std::string bert(std::string_view s) const;
};

// Hugging Face BertNormalizer: clean text, pad CJK ideographs, strip accents, lower-case.
std::string Normalizer::Step::bert(std::string_view s) const {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    uint32_t cp = utf8::decode(s, i);
    if (clean_text) {
      bool ws = cp == '\t' || cp == '\n' || cp == '\r' || unicode::is_whitespace(cp);
      if (cp == 0 || cp == 0xFFFD || (!ws && unicode::is_control(cp))) continue;
      if (ws) {
        out += ' ';
        continue;
      }
    }
    if (chinese && unicode::is_chinese_char(cp)) {
      out += ' ';
      out.append(s.substr(start, i - start));
      out += ' ';
      continue;
    }
    out.append(s.substr(start, i - start));
  }
  if (strip_accents)
    out = remove_if(unicode::normalize(out, unicode::Form::kNFD), unicode::is_nonspacing_mark);
  if (lowercase) out = unicode::to_lower(out);
  return out;
}

std::string Normalizer::Step::apply(std::string_view s) const {
  switch (kind) {
    case Kind::kForm:
      return unicode::normalize(s, form);
    case Kind::kLowercase:
      return unicode::to_lower(s);
    case Kind::kStrip:
      return strip_ws(s, left, right);
    case Kind::kStripAccents:
      return remove_if(s, unicode::is_mark);
    case Kind::kReplace:
      return pattern.replace_all(s, content);
    case Kind::kPrepend:
      return s.empty() ? std::string() : content + std::string(s);
    case Kind::kBert:
      return bert(s);
    case Kind::kByteLevel: {
      std::string out;
      byte_level::encode(s, out);
      return out;
    }
  }
  return std::string(s);
}

Normalizer::Normalizer() = default;
Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;
Normalizer& Normalizer::operator=(Normalizer&&) noexcept = default;

Normalizer Normalizer::from_json(const json_util::Json& j, const std::string& where) {
  Normalizer n;
  if (!j.is_null()) n.parse(j, where);
  return n;
}

Normalizer Normalizer::sentencepiece(bool add_prefix, std::string_view space) {
  Normalizer n;
  if (add_prefix) {
    auto s = std::make_shared<Step>();
    s->kind = Kind::kPrepend;
    s->content = std::string(space);
    n.steps_.push_back(std::move(s));
  }
  if (space != " ") {
    auto s = std::make_shared<Step>();
    s->kind = Kind::kReplace;
    s->pattern = TextPattern::literal(" ");
    s->content = std::string(space);
    n.steps_.push_back(std::move(s));
  }
  return n;
}

void Normalizer::parse(const json_util::Json& j, const std::string& where) {
  using namespace json_util;
  std::string type = type_of(j, where);
  auto step = std::make_shared<Step>();
  if (type == "Sequence") {
    const Json& list = field(j, "normalizers", where);
    if (!list.is_array()) fail("{}.normalizers: expected an array", where);
    for (size_t i = 0; i < list.size(); ++i) {
      parse(list[i], where + ".normalizers[" + std::to_string(i) + "]");
    }
    return;
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    step->kind = Kind::kForm;
    step->form = type == "NFC"    ? unicode::Form::kNFC
                 : type == "NFD"  ? unicode::Form::kNFD
                 : type == "NFKC" ? unicode::Form::kNFKC
                                  : unicode::Form::kNFKD;
  } else if (type == "Lowercase") {
    step->kind = Kind::kLowercase;
  } else if (type == "Strip") {
    step->kind = Kind::kStrip;
    step->left = get_bool(j, "strip_left", true, where);
    step->right = get_bool(j, "strip_right", true, where);
  } else if (type == "StripAccents") {
    step->kind = Kind::kStripAccents;
  } else if (type == "Replace") {
    step->kind = Kind::kReplace;
    step->pattern = TextPattern::from_json(field(j, "pattern", where), where + ".pattern");
    step->content = get_string(j, "content", where);
  } else if (type == "Prepend") {
    step->kind = Kind::kPrepend;
    step->content = get_string(j, "prepend", where);
  } else if (type == "BertNormalizer") {
    step->kind = Kind::kBert;
    step->clean_text = get_bool(j, "clean_text", true, where);
    step->chinese = get_bool(j, "handle_chinese_chars", true, where);
    step->lowercase = get_bool(j, "lowercase", true, where);
    step->strip_accents = get_bool(j, "strip_accents", step->lowercase, where);
  } else if (type == "ByteLevel") {
    step->kind = Kind::kByteLevel;
  } else {
    fail("{}: unsupported normalizer type '{}'", where, type);
  }
  steps_.push_back(std::move(step));
}

std::string Normalizer::apply(std::string_view s) const {
  std::string cur(s);
  for (const auto& step : steps_) cur = step->apply(cur);
  return cur;
}

}  // namespace owl
