// Leftmost-longest matching of added tokens
// (tokenizers/src/tokenizer/added_vocabulary.rs find_matches semantics).
#include "tokenizer/added_tokens.h"

#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace owl {

namespace {

// Hugging Face tests word boundaries with the regexes \w$ and ^\w.
bool is_word_char(uint32_t cp) {
  return cp == '_' || unicode::is_alphanumeric(cp) || unicode::is_mark(cp);
}

uint32_t last_char(std::string_view s) {
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
  size_t i = start;
  return utf8::decode(s, i);
}

// Offset after skipping whitespace backwards from end (Rust trim_end on s[..end]).
size_t trim_end(std::string_view s, size_t end) {
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<uint8_t>(s[start]) & 0xC0) == 0x80) --start;
    size_t i = start;
    if (!unicode::is_whitespace(utf8::decode(s, i))) break;
    end = start;
  }
  return end;
}

size_t trim_start(std::string_view s, size_t begin) {
  while (begin < s.size()) {
    size_t i = begin;
    if (!unicode::is_whitespace(utf8::decode(s, i))) break;
    begin = i;
  }
  return begin;
}

}  // namespace

void AddedTokenMatcher::build(std::vector<AddedToken> tokens) {
  tokens_ = std::move(tokens);
  trie_.assign(1, Node{});
  for (size_t t = 0; t < tokens_.size(); ++t) {
    const std::string& c = tokens_[t].content;
    if (c.empty()) continue;
    first_byte_[static_cast<uint8_t>(c[0])] = true;
    int32_t node = 0;
    for (char ch : c) {
      auto b = static_cast<uint8_t>(ch);
      int32_t child = trie_[node].child;
      while (child >= 0 && trie_[child].byte != b) child = trie_[child].sibling;
      if (child < 0) {
        Node n;
        n.byte = b;
        n.sibling = trie_[node].child;
        trie_.push_back(n);
        child = static_cast<int32_t>(trie_.size()) - 1;
        trie_[node].child = child;
      }
      node = child;
    }
    if (trie_[node].token < 0) trie_[node].token = static_cast<int32_t>(t);
  }
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, size_t& len) const {
  int32_t best = -1;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto b = static_cast<uint8_t>(text[i]);
    int32_t child = trie_[node].child;
    while (child >= 0 && trie_[child].byte != b) child = trie_[child].sibling;
    if (child < 0) break;
    node = child;
    if (trie_[node].token >= 0) {
      best = trie_[node].token;
      len = i + 1 - pos;
    }
  }
  return best;
}

std::vector<TextSegment> AddedTokenMatcher::split(std::string_view text, bool parse_special) const {
  std::vector<TextSegment> out;
  size_t start_offset = 0;  // end of the last emitted segment
  size_t pos = 0;           // where the automaton resumes
  while (pos < text.size() && !tokens_.empty()) {
    if (!first_byte_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    size_t len = 0;
    int32_t t = longest_at(text, pos, len);
    if (t < 0) {
      ++pos;
      continue;
    }
    const AddedToken& tok = tokens_[t];
    size_t start = pos, stop = pos + len;
    pos = stop;  // non-overlapping: the search resumes after this match even if it is skipped
    if (tok.special && !parse_special) continue;
    if (tok.single_word) {
      bool start_ok = start == 0 || !is_word_char(last_char(text.substr(0, start)));
      size_t k = stop;
      bool stop_ok = stop == text.size() || !is_word_char(utf8::decode(text, k));
      if (!start_ok || !stop_ok) continue;
    }
    if (tok.lstrip) start = std::max(trim_end(text, start), start_offset);
    if (tok.rstrip) stop = trim_start(text, stop);
    if (start_offset < start) out.push_back({start_offset, start, -1});
    out.push_back({start, stop, tok.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out.push_back({start_offset, text.size(), -1});
  return out;
}

}  // namespace owl
