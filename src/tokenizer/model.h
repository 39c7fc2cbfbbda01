// A tokenization model turns one pre-tokenized word into token ids.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace owl {

class TokenModel {
 public:
  virtual ~TokenModel() = default;
  // Appends the ids of word (non-empty UTF-8) to out.
  virtual void encode(std::string_view word, std::vector<int32_t>& out) const = 0;
};

}  // namespace owl
