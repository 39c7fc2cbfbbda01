// Flat hash tables for token lookup and BPE merges.
#include "tokenizer/vocab.h"

#include <cstring>

#include "base/error.h"

namespace owl {

namespace {

constexpr uint64_t kEmpty = ~0ull;

uint64_t mix(uint64_t x) {  // splitmix64 finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

size_t capacity_for(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  return cap;
}

}  // namespace

uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix(h ^ w);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return mix(h ^ tail);
}

Vocab::Vocab(size_t n) { resize(n); }

void Vocab::resize(size_t n) {
  offsets_.resize(n, 0);
  lengths_.resize(n, 0);
  kinds_.resize(n, TokenKind::kUnused);
  scores_.resize(n, 0.0f);
  in_model_.resize(n, 0);
}

void Vocab::set(int32_t id, std::string_view text, TokenKind kind, float score, bool in_model) {
  offsets_[id] = static_cast<uint32_t>(arena_.size());
  lengths_[id] = static_cast<uint32_t>(text.size());
  arena_.append(text);
  kinds_[id] = kind;
  scores_[id] = score;
  in_model_[id] = in_model ? 1 : 0;
}

void Vocab::build_index() {
  size_t cap = capacity_for(size());
  slots_.assign(cap, -1);
  mask_ = cap - 1;
  for (size_t id = 0; id < size(); ++id) {
    std::string_view t = text(static_cast<int32_t>(id));
    if (t.empty() && kinds_[id] == TokenKind::kUnused) continue;  // a hole in the id space
    size_t slot = hash_bytes(t) & mask_;
    while (slots_[slot] >= 0 && text(slots_[slot]) != t) slot = (slot + 1) & mask_;
    slots_[slot] = static_cast<int32_t>(id);  // later ids win
  }
}

int32_t Vocab::find(std::string_view t) const {
  if (slots_.empty()) return -1;
  size_t slot = hash_bytes(t) & mask_;
  while (true) {
    int32_t id = slots_[slot];
    if (id < 0) return -1;
    if (text(id) == t) return id;
    slot = (slot + 1) & mask_;
  }
}

void MergeTable::reserve(size_t n) {
  size_t cap = capacity_for(n);
  if (cap <= keys_.size()) return;
  std::vector<uint64_t> old_keys = std::move(keys_);
  std::vector<Entry> old_values = std::move(values_);
  keys_.assign(cap, kEmpty);
  values_.assign(cap, Entry{0, 0});
  mask_ = cap - 1;
  count_ = 0;
  for (size_t i = 0; i < old_keys.size(); ++i) {
    if (old_keys[i] == kEmpty) continue;
    auto left = static_cast<int32_t>(old_keys[i] >> 32);
    auto right = static_cast<int32_t>(old_keys[i] & 0xFFFFFFFFu);
    add(left, right, old_values[i].rank, old_values[i].id);
  }
}

void MergeTable::grow() { reserve(count_ + 1 > 8 ? count_ * 2 : 16); }

void MergeTable::add(int32_t left, int32_t right, int32_t rank, int32_t merged) {
  if (keys_.empty() || (count_ + 1) * 2 > keys_.size()) grow();
  uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  size_t slot = mix(key) & mask_;
  while (keys_[slot] != kEmpty) {
    if (keys_[slot] == key) {
      values_[slot] = Entry{rank, merged};
      return;
    }
    slot = (slot + 1) & mask_;
  }
  keys_[slot] = key;
  values_[slot] = Entry{rank, merged};
  ++count_;
}

const MergeTable::Entry* MergeTable::find(int32_t left, int32_t right) const {
  if (keys_.empty()) return nullptr;
  uint64_t key =
      (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  size_t slot = mix(key) & mask_;
  while (keys_[slot] != kEmpty) {
    if (keys_[slot] == key) return &values_[slot];
    slot = (slot + 1) & mask_;
  }
  return nullptr;
}

void CharPairSet::add(uint32_t a, uint32_t b) {
  if (keys_.empty() || (count_ + 1) * 2 > keys_.size()) {
    std::vector<uint64_t> old = std::move(keys_);
    keys_.assign(old.empty() ? 1024 : old.size() * 2, kEmpty);
    mask_ = keys_.size() - 1;
    count_ = 0;
    for (uint64_t k : old) {
      if (k != kEmpty) add(static_cast<uint32_t>(k >> 32), static_cast<uint32_t>(k));
    }
  }
  uint64_t key = (static_cast<uint64_t>(a) << 32) | b;
  size_t slot = mix(key) & mask_;
  while (keys_[slot] != kEmpty) {
    if (keys_[slot] == key) return;
    slot = (slot + 1) & mask_;
  }
  keys_[slot] = key;
  ++count_;
}

bool CharPairSet::contains(uint32_t a, uint32_t b) const {
  if (keys_.empty()) return false;
  uint64_t key = (static_cast<uint64_t>(a) << 32) | b;
  size_t slot = mix(key) & mask_;
  while (keys_[slot] != kEmpty) {
    if (keys_[slot] == key) return true;
    slot = (slot + 1) & mask_;
  }
  return false;
}

}  // namespace owl
