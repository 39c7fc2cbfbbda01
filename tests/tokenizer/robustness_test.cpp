// Random text (random code points from every plane, random bytes) through encode/decode: no
// crash, no hang, and byte-level vocabularies give the text back exactly.
#include <gtest/gtest.h>

#include <random>

#include "test_data.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace owl {
namespace {

using test::shared_dir;

std::string random_text(std::mt19937& rng) {
  std::uniform_int_distribution<int> len(0, 40), kind(0, 9), byte(0, 255);
  std::string s;
  int n = len(rng);
  for (int i = 0; i < n; ++i) {
    int k = kind(rng);
    uint32_t cp;
    if (k < 4) {
      cp = std::uniform_int_distribution<uint32_t>(0x20, 0x7E)(rng);  // ASCII
    } else if (k < 5) {
      cp = std::uniform_int_distribution<uint32_t>(0, 0x1F)(rng);  // controls, NUL included
    } else if (k < 7) {
      cp = std::uniform_int_distribution<uint32_t>(0x80, 0xFFFF)(rng);
    } else if (k < 8) {
      cp = std::uniform_int_distribution<uint32_t>(0x10000, 0x10FFFF)(rng);
    } else {
      s.push_back(static_cast<char>(byte(rng)));  // possibly ill-formed
      continue;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
    utf8::append(s, cp);
  }
  return s;
}

void fuzz(const std::string& path, bool exact_round_trip) {
  const Tokenizer& tok = test::cached_tokenizer(path);
  std::mt19937 rng(1234);
  int exact = 0;
  for (int i = 0; i < 300; ++i) {
    std::string s = random_text(rng);
    std::vector<int32_t> ids = tok.encode(s, true, true);
    for (int32_t id : ids) ASSERT_TRUE(id >= 0 && id < tok.n_vocab());
    std::string back = tok.decode(ids, true);
    if (exact_round_trip) {
      EXPECT_EQ(back, utf8::sanitize(s)) << "case " << i;
    }
    exact += back == utf8::sanitize(s);
  }
  std::printf("[ fuzz     ] %s: %d/300 exact round trips\n",
              path.substr(path.rfind('/') + 1).c_str(), exact);
}

TEST(Robustness, ByteLevelJson) {
  fuzz(shared_dir() + "/tokenizers/llama-3.1/tokenizer.json.gz", true);
}
TEST(Robustness, ByteLevelGguf) {
  fuzz(shared_dir() + "/tokenizers/ggml-vocab/ggml-vocab-gpt-2.gguf", true);
}
// SentencePiece: U+2581 in the input decodes as a space, and NFC/normalization may apply, so
// only the absence of failures is checked.
TEST(Robustness, SentencePieceGguf) {
  fuzz(shared_dir() + "/tokenizers/ggml-vocab/ggml-vocab-llama-spm.gguf", false);
}
TEST(Robustness, Llama2c) { fuzz(shared_dir() + "/models/stories260K/tok512.bin", false); }

}  // namespace
}  // namespace owl
