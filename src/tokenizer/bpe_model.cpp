// Merge-rank BPE (tokenizers/src/models/bpe/{model,word}.rs semantics).
#include "tokenizer/bpe_model.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "tokenizer/utf8.h"

namespace owl {

BpeModel::BpeModel(std::shared_ptr<const Vocab> vocab, MergeTable merges, BpeOptions options)
    : vocab_(std::move(vocab)), merges_(std::move(merges)), options_(std::move(options)) {
  char buf[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    byte_ids_[b] = vocab_->find_model(buf);
  }
  plain_chars_ = options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty();
  std::string ch;
  for (uint32_t cp = 0; cp < small_cp_ids_.size(); ++cp) {
    ch.clear();
    utf8::append(ch, cp);
    small_cp_ids_[cp] = vocab_->find_model(ch);
  }
  if (plain_chars_) {
    merges_.for_each_pair([&](int32_t left, int32_t right) {
      std::string_view a = vocab_->text(left), b = vocab_->text(right);
      if (a.empty() || b.empty()) return;
      size_t start = a.size() - 1;
      while (start > 0 && (static_cast<uint8_t>(a[start]) & 0xC0) == 0x80) --start;
      size_t i = 0;
      junctions_.add(utf8::decode(a, start), utf8::decode(b, i));
    });
  }
}

int32_t BpeModel::char_id(std::string_view ch, bool first, bool last) const {
  if (plain_chars_) {
    if (ch.size() == 1 && static_cast<uint8_t>(ch[0]) < 0x80) return small_cp_ids_[ch[0]];
    if (ch.size() == 2) {
      size_t i = 0;
      return small_cp_ids_[utf8::decode(ch, i)];
    }
    return vocab_->find_model(ch);
  }
  std::string s;
  if (!first) s += options_.continuing_subword_prefix;
  s += ch;
  if (last) s += options_.end_of_word_suffix;
  return vocab_->find_model(s);
}

void BpeModel::initial_symbols(std::string_view word, std::vector<Symbol>& syms) const {
  int32_t unk = -1;
  uint32_t unk_len = 0;
  auto push = [&](int32_t id, uint32_t len) {
    syms.push_back({id, static_cast<int32_t>(syms.size()) - 1, -1, len});
  };
  size_t i = 0;
  while (i < word.size()) {
    size_t start = i;
    size_t n = utf8::valid_sequence_length(word, i);
    i += n == 0 ? 1 : n;
    std::string_view ch = word.substr(start, i - start);
    int32_t id = char_id(ch, start == 0, i == word.size());
    if (id >= 0) {
      if (unk >= 0) {
        push(unk, unk_len);
        unk = -1;
      }
      push(id, static_cast<uint32_t>(ch.size()));
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (char c : ch) all = all && byte_ids_[static_cast<uint8_t>(c)] >= 0;
      if (all) {
        // Like the tokenizers crate, a pending unknown is not flushed before byte tokens.
        for (char c : ch) push(byte_ids_[static_cast<uint8_t>(c)], 1);
        continue;
      }
    }
    if (options_.unk_id >= 0) {
      if (unk >= 0 && options_.fuse_unk) {
        unk_len += static_cast<uint32_t>(ch.size());
      } else {
        if (unk >= 0) push(unk, unk_len);
        unk = options_.unk_id;
        unk_len = static_cast<uint32_t>(ch.size());
      }
    }
  }
  if (unk >= 0) push(unk, unk_len);
  for (size_t k = 0; k + 1 < syms.size(); ++k) syms[k].next = static_cast<int32_t>(k + 1);
}

namespace {

struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t id;
  // std::priority_queue is a max-heap: invert to pop the lowest rank, then the leftmost.
  bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

}  // namespace

void BpeModel::merge_all(std::vector<Symbol>& syms) const {
  // A heap over a reused buffer (std::priority_queue would allocate for every word).
  thread_local std::vector<Candidate> heap;
  heap.clear();
  auto push = [](const Candidate& c) {
    heap.push_back(c);
    std::push_heap(heap.begin(), heap.end());
  };
  for (size_t k = 0; k + 1 < syms.size(); ++k) {
    if (const auto* m = merges_.find(syms[k].id, syms[k + 1].id)) {
      heap.push_back({m->rank, static_cast<int32_t>(k), m->id});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    Candidate top = heap.back();
    heap.pop_back();
    Symbol& cur = syms[top.pos];
    if (cur.len == 0 || cur.next < 0) continue;
    Symbol right = syms[cur.next];
    // An outdated entry: the pair at this position no longer merges into the same token.
    const auto* m = merges_.find(cur.id, right.id);
    if (m == nullptr || m->id != top.id) continue;
    syms[cur.next].len = 0;
    cur.id = top.id;
    cur.len += right.len;
    cur.next = right.next;
    if (right.next >= 0) syms[right.next].prev = top.pos;
    if (cur.prev >= 0) {
      if (const auto* p = merges_.find(syms[cur.prev].id, cur.id)) {
        push({p->rank, cur.prev, p->id});
      }
    }
    if (cur.next >= 0) {
      if (const auto* n = merges_.find(cur.id, syms[cur.next].id)) {
        push({n->rank, top.pos, n->id});
      }
    }
  }
}

void BpeModel::encode(std::string_view word, std::vector<int32_t>& out) const {
  if (options_.ignore_merges) {
    int32_t id = vocab_->find_model(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  // Long words (a whole text when there is no pre-tokenizer) are cut where no merge can join
  // the neighbouring characters: both are tokens of their own and no merge meets between them.
  if (plain_chars_ && word.size() > 64) {
    size_t chunk = 0, i = 0;
    uint32_t prev = 0;
    bool prev_direct = false;
    while (i < word.size()) {
      size_t start = i;
      size_t n = utf8::valid_sequence_length(word, i);
      uint32_t cp = utf8::decode(word, i);
      bool direct = n > 0 && char_id(word.substr(start, i - start), false, false) >= 0;
      if (start > chunk && direct && prev_direct && !junctions_.contains(prev, cp)) {
        encode_chunk(word.substr(chunk, start - chunk), out);
        chunk = start;
      }
      prev = cp;
      prev_direct = direct;
    }
    encode_chunk(word.substr(chunk), out);
    return;
  }
  encode_chunk(word, out);
}

void BpeModel::encode_chunk(std::string_view word, std::vector<int32_t>& out) const {
  bool cacheable = WordCache::fits(word);
  uint64_t hash = cacheable ? hash_bytes(word) : 0;
  if (cacheable && cache_.lookup(word, hash, out)) return;
  thread_local std::vector<Symbol> syms;
  syms.clear();
  initial_symbols(word, syms);
  if (syms.size() > 1) merge_all(syms);
  size_t start = out.size();
  for (const Symbol& s : syms) {
    if (s.len > 0) out.push_back(s.id);
  }
  if (cacheable) cache_.store(word, hash, out.data() + start, out.size() - start);
}

}  // namespace owl
