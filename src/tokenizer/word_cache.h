// A direct-mapped cache of short words -> token ids. Most words of a text recur, so the models
// look them up before running BPE (the tokenizers crate keeps a similar word cache); it changes
// speed only. Safe to use from several threads: slots are guarded by striped locks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace owl {

class WordCache {
 public:
  static constexpr size_t kMaxWordBytes = 22;
  static constexpr size_t kMaxIds = 8;

  WordCache();
  // Whether word is cacheable at all (short enough).
  static bool fits(std::string_view word) { return word.size() <= kMaxWordBytes; }
  // Appends the cached ids of word to out and returns true on a hit.
  bool lookup(std::string_view word, uint64_t hash, std::vector<int32_t>& out) const;
  // Remembers ids (at most kMaxIds; longer results are not cached).
  void store(std::string_view word, uint64_t hash, const int32_t* ids, size_t n) const;

 private:
  static constexpr size_t kSlots = 1 << 15;
  static constexpr size_t kLocks = 64;
  struct Slot {
    uint64_t hash = 0;
    uint8_t word_len = 0;
    uint8_t n_ids = 0;  // 0: empty
    char word[kMaxWordBytes];
    int32_t ids[kMaxIds];
  };
  mutable std::unique_ptr<Slot[]> slots_;
  mutable std::array<std::mutex, kLocks> locks_;
};

}  // namespace owl
