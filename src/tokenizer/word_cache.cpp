// Direct-mapped word cache.
#include "tokenizer/word_cache.h"

#include <cstring>

namespace owl {

WordCache::WordCache() : slots_(new Slot[kSlots]) {}

bool WordCache::lookup(std::string_view word, uint64_t hash, std::vector<int32_t>& out) const {
  size_t i = hash & (kSlots - 1);
  std::lock_guard<std::mutex> lock(locks_[i % kLocks]);
  const Slot& s = slots_[i];
  if (s.n_ids == 0 || s.hash != hash || s.word_len != word.size() ||
      std::memcmp(s.word, word.data(), word.size()) != 0) {
    return false;
  }
  out.insert(out.end(), s.ids, s.ids + s.n_ids);
  return true;
}

void WordCache::store(std::string_view word, uint64_t hash, const int32_t* ids, size_t n) const {
  if (n == 0 || n > kMaxIds || !fits(word)) return;
  size_t i = hash & (kSlots - 1);
  std::lock_guard<std::mutex> lock(locks_[i % kLocks]);
  Slot& s = slots_[i];
  s.hash = hash;
  s.word_len = static_cast<uint8_t>(word.size());
  s.n_ids = static_cast<uint8_t>(n);
  std::memcpy(s.word, word.data(), word.size());
  std::memcpy(s.ids, ids, n * sizeof(int32_t));
}

}  // namespace owl
