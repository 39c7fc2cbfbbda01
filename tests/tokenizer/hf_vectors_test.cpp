// swift-transformers' tokenizer fixtures (shared/tokenizers/hf-test-vectors) for the
// vocabularies owl has files for: Llama-3.2 (= llama-3.1 tokenizer.json), distilgpt2 (= the
// GPT-2 vocabulary), Falcon-7B and Llama-2 (llama-spm GGUF), all encoded with special tokens.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

using test::shared_dir;

std::string fixtures() { return shared_dir() + "/tokenizers/hf-test-vectors/"; }
std::string vocab(const std::string& name) {
  return shared_dir() + "/tokenizers/ggml-vocab/ggml-vocab-" + name + ".gguf";
}

// clean_up: the model's tokenizer_config sets clean_up_tokenization_spaces (the fixtures' decoded
// strings show it: "'ll !!to" becomes "'ll!!to").
void check_fixture(const std::string& key, const Tokenizer& tok, bool clean_up) {
  auto all = nlohmann::json::parse(read_file(fixtures() + "tokenizer_tests.json"));
  ASSERT_TRUE(all.contains(key));
  int ids_ok = 0, with_ok = 0, without_ok = 0, n = 0;
  for (const auto& c : all[key]) {
    ++n;
    std::string input = c["input"];
    auto want = c["encoded"]["input_ids"].get<std::vector<int32_t>>();
    auto got = tok.encode(input, true);
    EXPECT_EQ(test::ids_to_string(got), test::ids_to_string(want)) << key << ": " << input;
    ids_ok += got == want;
    auto finish = [&](std::string s) { return clean_up ? clean_up_tokenization(s) : s; };
    std::string with = finish(tok.decode(want, false));
    std::string without = finish(tok.decode(want, true));
    EXPECT_EQ(with, c["decoded_with_special"].get<std::string>()) << key << ": " << input;
    EXPECT_EQ(without, c["decoded_without_special"].get<std::string>()) << key << ": " << input;
    with_ok += with == c["decoded_with_special"].get<std::string>();
    without_ok += without == c["decoded_without_special"].get<std::string>();
  }
  std::printf("[ hf       ] %s: ids %d/%d, decoded with special %d/%d, without %d/%d\n",
              key.c_str(), ids_ok, n, with_ok, n, without_ok, n);
}

TEST(HfVectors, Llama32) {
  const Tokenizer& tok = test::cached_tokenizer(shared_dir() + "/tokenizers/llama-3.1");
  EXPECT_TRUE(tok.clean_up_tokenization_spaces());
  check_fixture("pcuenq/Llama-3.2-1B-Instruct-tokenizer", tok, true);
}

TEST(HfVectors, DistilGpt2) {
  check_fixture("distilgpt2", test::cached_tokenizer(vocab("gpt-2")), true);
}

TEST(HfVectors, Falcon7b) {
  check_fixture("tiiuae/falcon-7b", test::cached_tokenizer(vocab("falcon")), true);
}

TEST(HfVectors, Llama2) {
  check_fixture("coreml-projects/Llama-2-7b-chat-coreml",
                test::cached_tokenizer(vocab("llama-spm")), false);
}

TEST(HfVectors, Llama32FrenchParagraph) {
  const Tokenizer& tok = test::cached_tokenizer(shared_dir() + "/tokenizers/llama-3.1");
  auto j = nlohmann::json::parse(read_file(fixtures() + "llama_3.2_encoded.json"));
  auto want = j["token_ids"].get<std::vector<int32_t>>();
  EXPECT_EQ(test::ids_to_string(tok.encode(j["text"].get<std::string>(), true)),
            test::ids_to_string(want));
  EXPECT_EQ(tok.decode_text(want), j["decoded_text"].get<std::string>());
}

TEST(HfVectors, Gpt2Paragraph) {
  const Tokenizer& tok = test::cached_tokenizer(vocab("gpt-2"));
  auto j = nlohmann::json::parse(read_file(fixtures() + "gpt2_encoded_tokens.json"));
  auto want = j["token_ids"].get<std::vector<int32_t>>();
  EXPECT_EQ(test::ids_to_string(tok.encode(j["text"].get<std::string>(), true)),
            test::ids_to_string(want));
  EXPECT_EQ(clean_up_tokenization(tok.decode(want)), j["decoded_text"].get<std::string>());
}

}  // namespace
}  // namespace owl
