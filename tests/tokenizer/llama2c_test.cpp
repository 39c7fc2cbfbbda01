// llama2.c tokenizer.bin (stories260K's tok512.bin): decoding the greedy ids DATA.md records
// (checked against Karpathy's published sample) and encoding as run.c does.
#include <gtest/gtest.h>

#include "base/error.h"
#include "base/mapped_file.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

std::string tok512() { return test::shared_dir() + "/models/stories260K/tok512.bin"; }

// The first 32 greedy ids of stories260K from BOS (shared/DATA.md).
const std::vector<int32_t> kGreedy = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315,
                                      421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408,
                                      419, 292, 411, 322, 265, 282, 295, 433, 426, 385};

TEST(Llama2c, DecodesGreedyStory) {
  auto tok = Tokenizer::from_llama2c(tok512(), 512);
  EXPECT_EQ(tok->n_vocab(), 512);
  std::string text = tok->decode(kGreedy);
  EXPECT_EQ(text.rfind("Once upon a time, there was a little girl named Lily.", 0), 0u) << text;
  // Streaming from BOS, as run.c prints: the same text.
  std::string streamed;
  int32_t prev = tok->bos_id();
  for (int32_t id : kGreedy) {
    streamed += tok->piece(id, prev);
    prev = id;
  }
  EXPECT_EQ(streamed, text);
  std::printf("[ llama2c  ] %s\n", text.c_str());
}

TEST(Llama2c, EncodesLikeRunC) {
  auto tok = Tokenizer::from_llama2c(tok512(), 512);
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_TRUE(tok->add_bos());
  // run.c: BOS, then the dummy-prefix text merged by score. The greedy story starts with the
  // same words, so its first ids are the encoding of "Once upon a time".
  std::vector<int32_t> ids = tok->encode("Once upon a time", true);
  std::vector<int32_t> want = {1, 403, 407, 261, 378};
  EXPECT_EQ(test::ids_to_string(ids), test::ids_to_string(want));
  EXPECT_EQ(tok->decode(ids, true), "Once upon a time");
  EXPECT_TRUE(tok->encode("", true) == std::vector<int32_t>{1});
  EXPECT_TRUE(tok->encode("", false).empty());
  // Round trip through byte fallback (characters outside the 512-token vocabulary).
  for (std::string s :
       {"Lily saw a big, red ball.", "caf\xC3\xA9 \xE2\x82\xAC 42", " two  spaces"}) {
    EXPECT_EQ(tok->decode(tok->encode(s, false)), s);
  }
}

TEST(Llama2c, FromPathReadsToEnd) {
  auto tok = Tokenizer::from_path(tok512());
  EXPECT_EQ(tok->n_vocab(), 512);
  EXPECT_EQ(tok->token_text(1), "<s>");
  EXPECT_EQ(tok->token_kind(3), TokenKind::kByte);
}

TEST(Llama2c, RejectsTruncatedFile) {
  std::string path = ::testing::TempDir() + "owl_truncated_tok.bin";
  std::string data = read_file(tok512());
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(data.data(), 1, data.size() / 2, f);
    std::fclose(f);
  }
  try {
    Tokenizer::from_llama2c(path, 512);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace owl
