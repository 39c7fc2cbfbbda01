// A batch of tokens for one forward pass: any mix of sequences (cache slots) and positions.
#pragma once

#include <cstdint>
#include <vector>

namespace owl {

struct Batch {
  std::vector<int32_t> tokens;     // [n]
  std::vector<int32_t> positions;  // [n] position of each token in its sequence
  std::vector<int32_t> slots;      // [n] KV-cache slot (sequence) of each token
  std::vector<uint8_t> want_logits;  // [n] 1 if this token's logits are returned

  void clear() {
    tokens.clear();
    positions.clear();
    slots.clear();
    want_logits.clear();
  }
  void add(int32_t token, int32_t pos, int32_t slot, bool logits) {
    tokens.push_back(token);
    positions.push_back(pos);
    slots.push_back(slot);
    want_logits.push_back(logits ? 1 : 0);
  }
  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  int32_t n_outputs() const {
    int32_t n = 0;
    for (uint8_t w : want_logits) n += w;
    return n;
  }
};

}  // namespace owl
