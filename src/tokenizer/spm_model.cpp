// Score-driven SentencePiece BPE.
#include "tokenizer/spm_model.h"

#include <functional>
#include <map>
#include <queue>
#include <string>
#include <utility>

#include "tokenizer/utf8.h"

namespace owl {

namespace {

struct Symbol {
  int32_t prev, next;
  size_t begin;  // byte offset in the text
  size_t len;    // 0 once merged into its left neighbour
};

struct Bigram {
  float score;
  int32_t left, right;
  size_t size;
  // Max-heap: the highest score first, then the leftmost.
  bool operator<(const Bigram& o) const {
    return score != o.score ? score < o.score : left > o.left;
  }
};

}  // namespace

SpmModel::SpmModel(std::shared_ptr<const Vocab> vocab, std::array<int32_t, 256> byte_ids,
                   int32_t unk_id)
    : vocab_(std::move(vocab)), byte_ids_(byte_ids), unk_id_(unk_id) {
  for (size_t id = 0; id < vocab_->size(); ++id) {
    std::string_view t = vocab_->text(static_cast<int32_t>(id));
    if (mergeable(t) != static_cast<int32_t>(id)) continue;
    size_t i = 0;
    uint32_t prev = utf8::decode(t, i);
    while (i < t.size()) {
      uint32_t cp = utf8::decode(t, i);
      junctions_.add(prev, cp);
      prev = cp;
    }
  }
}

int32_t SpmModel::mergeable(std::string_view piece) const {
  int32_t id = vocab_->find(piece);
  if (id < 0) return -1;
  TokenKind k = vocab_->kind(id);
  return (k == TokenKind::kNormal || k == TokenKind::kUserDefined || k == TokenKind::kUnused) ? id
                                                                                              : -1;
}

void SpmModel::encode(std::string_view text, std::vector<int32_t>& out) const {
  // Cut the text where no mergeable piece holds the two neighbouring characters: no merge can
  // cross there, so each side gives the same tokens on its own.
  size_t chunk = 0, i = 0;
  uint32_t prev = 0;
  while (i < text.size()) {
    size_t start = i;
    uint32_t cp = utf8::decode(text, i);
    if (start > chunk && !junctions_.contains(prev, cp)) {
      encode_chunk(text.substr(chunk, start - chunk), out);
      chunk = start;
    }
    prev = cp;
  }
  if (chunk < text.size()) encode_chunk(text.substr(chunk), out);
}

void SpmModel::encode_chunk(std::string_view text, std::vector<int32_t>& out) const {
  bool cacheable = WordCache::fits(text);
  uint64_t hash = cacheable ? hash_bytes(text) : 0;
  if (cacheable && cache_.lookup(text, hash, out)) return;
  size_t first_out = out.size();
  std::vector<Symbol> syms;
  size_t i = 0;
  while (i < text.size()) {
    size_t n = utf8::valid_sequence_length(text, i);
    if (n == 0) n = 1;
    syms.push_back({static_cast<int32_t>(syms.size()) - 1, -1, i, n});
    i += n;
  }
  for (size_t k = 0; k + 1 < syms.size(); ++k) syms[k].next = static_cast<int32_t>(k + 1);

  std::priority_queue<Bigram> queue;
  // Merged unused pieces are split back into the two pieces they were made of.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> rev_merge;
  auto try_add = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    std::string_view piece = text.substr(syms[left].begin, syms[left].len + syms[right].len);
    int32_t id = mergeable(piece);
    if (id < 0) return;
    queue.push({vocab_->score(id), left, right, piece.size()});
    if (vocab_->kind(id) == TokenKind::kUnused) {
      rev_merge[std::string(piece)] = {
          std::string(text.substr(syms[left].begin, syms[left].len)),
          std::string(text.substr(syms[right].begin, syms[right].len))};
    }
  };
  for (size_t k = 1; k < syms.size(); ++k) try_add(static_cast<int32_t>(k - 1), k);

  while (!queue.empty()) {
    Bigram top = queue.top();
    queue.pop();
    Symbol& l = syms[top.left];
    Symbol& r = syms[top.right];
    if (l.len == 0 || r.len == 0 || l.len + r.len != top.size) continue;  // outdated
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) syms[r.next].prev = top.left;
    try_add(l.prev, top.left);
    try_add(top.left, l.next);
  }

  std::function<void(std::string_view)> emit = [&](std::string_view piece) {
    int32_t id = vocab_->find(piece);
    if (id >= 0 && vocab_->kind(id) != TokenKind::kUnused) {
      out.push_back(id);
      return;
    }
    if (id >= 0) {
      auto it = rev_merge.find(piece);
      if (it != rev_merge.end()) {
        emit(it->second.first);
        emit(it->second.second);
        return;
      }
    }
    bool bytes = true;
    for (char c : piece) bytes = bytes && byte_ids_[static_cast<uint8_t>(c)] >= 0;
    if (bytes) {
      for (char c : piece) out.push_back(byte_ids_[static_cast<uint8_t>(c)]);
    } else if (id >= 0) {
      out.push_back(id);
    } else if (unk_id_ >= 0) {
      out.push_back(unk_id_);
    }
  };
  for (int32_t k = syms.empty() ? -1 : 0; k >= 0; k = syms[k].next) {
    emit(text.substr(syms[k].begin, syms[k].len));
  }
  if (cacheable) cache_.store(text, hash, out.data() + first_out, out.size() - first_out);
}

}  // namespace owl
