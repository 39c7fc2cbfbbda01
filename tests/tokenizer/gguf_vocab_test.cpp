// GGUF vocabularies (llama.cpp's vocab-only files) against the Hugging Face tokenizer ids that
// llama.cpp recorded beside them (.inp/.out; no BOS, special tokens not parsed).
#include <gtest/gtest.h>

#include "formats/gguf.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

using test::shared_dir;

std::string vocab_dir() { return shared_dir() + "/tokenizers/ggml-vocab/"; }

struct Counts {
  int ids = 0, round_trip = 0, n = 0;
};

Counts run_cases(const Tokenizer& tok, const std::string& inp, bool check_ids) {
  Counts c;
  for (const auto& tc : test::read_vocab_cases(vocab_dir() + inp)) {
    ++c.n;
    std::vector<int32_t> ids = tok.encode(tc.text, false, false);
    if (check_ids) {
      EXPECT_EQ(test::ids_to_string(ids), test::ids_to_string(tc.ids))
          << "input: '" << tc.text << "'";
      c.ids += ids == tc.ids;
    }
    std::string back = tok.decode(ids);
    EXPECT_EQ(back, tc.text) << "round trip of '" << tc.text << "'";
    c.round_trip += back == tc.text;
  }
  return c;
}

void check_vocab(const std::string& name) {
  const Tokenizer& tok = test::cached_tokenizer(vocab_dir() + "ggml-vocab-" + name + ".gguf");
  Counts c = run_cases(tok, "ggml-vocab-" + name + ".gguf.inp", true);
  std::printf("[ gguf     ] %-15s ids %d/%d, round trip %d/%d  (%s)\n", name.c_str(), c.ids, c.n,
              c.round_trip, c.n, tok.summary().c_str());
}

TEST(GgufVocab, DeepseekCoder) { check_vocab("deepseek-coder"); }
TEST(GgufVocab, DeepseekLlm) { check_vocab("deepseek-llm"); }
TEST(GgufVocab, Falcon) { check_vocab("falcon"); }
TEST(GgufVocab, Gpt2) { check_vocab("gpt-2"); }
TEST(GgufVocab, Mpt) { check_vocab("mpt"); }
TEST(GgufVocab, Refact) { check_vocab("refact"); }
TEST(GgufVocab, Starcoder) { check_vocab("starcoder"); }
TEST(GgufVocab, LlamaSpm) { check_vocab("llama-spm"); }
TEST(GgufVocab, Phi3) { check_vocab("phi-3"); }

// No expected ids exist for these two: they must load and give the text back.
TEST(GgufVocab, BaichuanLoadsAndRoundTrips) {
  const Tokenizer& tok = test::cached_tokenizer(vocab_dir() + "ggml-vocab-baichuan.gguf");
  EXPECT_EQ(tok.n_vocab(), 64000);
  Counts c = run_cases(tok, "ggml-vocab-llama-spm.gguf.inp", false);
  std::printf("[ gguf     ] baichuan        round trip %d/%d\n", c.round_trip, c.n);
}

TEST(GgufVocab, GptNeoxLoadsAndRoundTrips) {
  const Tokenizer& tok = test::cached_tokenizer(vocab_dir() + "ggml-vocab-gpt-neox.gguf");
  EXPECT_EQ(tok.n_vocab(), 50432);
  Counts c = run_cases(tok, "ggml-vocab-mpt.gguf.inp", false);
  std::printf("[ gguf     ] gpt-neox        round trip %d/%d\n", c.round_trip, c.n);
}

}  // namespace
}  // namespace owl
