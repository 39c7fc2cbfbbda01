// Literal and regex patterns of tokenizer.json.
#include "tokenizer/pattern.h"

#include "base/error.h"

namespace owl {

TextPattern TextPattern::literal(std::string s) {
  TextPattern p;
  p.literal_ = std::move(s);
  return p;
}

TextPattern TextPattern::regex(std::string_view pattern) {
  TextPattern p;
  p.regex_ = std::make_shared<const Regex>(pattern);
  return p;
}

TextPattern TextPattern::from_json(const json_util::Json& j, const std::string& where) {
  if (!j.is_object()) fail("{}: expected {{\"String\": ...}} or {{\"Regex\": ...}}", where);
  if (auto s = json_util::opt_string(j, "String", where)) return literal(*s);
  if (auto r = json_util::opt_string(j, "Regex", where)) {
    try {
      return regex(*r);
    } catch (const Error& e) {
      fail("{}: {}", where, e.what());
    }
  }
  fail("{}: expected {{\"String\": ...}} or {{\"Regex\": ...}}", where);
}

void TextPattern::find_all(std::string_view text,
                           std::vector<std::pair<size_t, size_t>>& out) const {
  if (regex_) {
    regex_->find_all(text, out);
    return;
  }
  if (literal_.empty()) return;  // an empty literal never matches (Hugging Face)
  size_t pos = 0;
  while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
    out.emplace_back(pos, pos + literal_.size());
    pos += literal_.size();
  }
}

std::string TextPattern::replace_all(std::string_view text, std::string_view content) const {
  std::vector<std::pair<size_t, size_t>> matches;
  find_all(text, matches);
  if (matches.empty()) return std::string(text);
  std::string out;
  out.reserve(text.size());
  size_t prev = 0;
  for (const auto& [b, e] : matches) {
    out.append(text.substr(prev, b - prev));
    out.append(content);
    prev = e;
  }
  out.append(text.substr(prev));
  return out;
}

}  // namespace owl
