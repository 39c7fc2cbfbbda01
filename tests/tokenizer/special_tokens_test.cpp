// Special tokens, end-of-generation ids, BOS policies and streaming, on the real tokenizers.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

using test::shared_dir;

const Tokenizer& json_tok(const std::string& name) {
  return test::cached_tokenizer(shared_dir() + "/tokenizers/" + name + "/tokenizer.json.gz");
}
const Tokenizer& gguf_tok(const std::string& name) {
  return test::cached_tokenizer(shared_dir() + "/tokenizers/ggml-vocab/ggml-vocab-" + name +
                                ".gguf");
}

bool has(const std::vector<int32_t>& v, int32_t id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

TEST(SpecialTokens, EndOfGeneration) {
  const Tokenizer& qwen = json_tok("qwen3");
  int32_t im_end = qwen.find_token("<|im_end|>");
  EXPECT_EQ(im_end, 151645);
  EXPECT_EQ(qwen.eos_id(), im_end);  // tokenizer_config.json eos_token
  EXPECT_TRUE(qwen.is_end_of_generation(im_end));
  EXPECT_TRUE(qwen.is_end_of_generation(qwen.find_token("<|endoftext|>")));
  EXPECT_FALSE(qwen.is_end_of_generation(qwen.find_token("<|im_start|>")));
  EXPECT_EQ(qwen.bos_id(), -1);
  EXPECT_FALSE(qwen.add_bos());

  const Tokenizer& llama = json_tok("llama-3.1");
  EXPECT_EQ(llama.bos_id(), 128000);
  EXPECT_TRUE(llama.add_bos());
  // (This tokenizer.json predates <|eom_id|>: id 128008 is still a reserved token here.)
  for (const char* t : {"<|eot_id|>", "<|end_of_text|>"}) {
    EXPECT_TRUE(llama.is_end_of_generation(llama.find_token(t))) << t;
  }

  const Tokenizer& oss = json_tok("gpt-oss");
  EXPECT_EQ(oss.eos_id(), oss.find_token("<|return|>"));
  EXPECT_TRUE(oss.is_end_of_generation(oss.find_token("<|call|>")));
  // Harmony: <|end|> closes a message (the analysis channel goes on), it does not stop.
  EXPECT_FALSE(oss.is_end_of_generation(oss.find_token("<|end|>")));

  const Tokenizer& gemma = json_tok("gemma-3");
  EXPECT_TRUE(gemma.is_end_of_generation(gemma.find_token("<end_of_turn>")));
  EXPECT_TRUE(gemma.is_end_of_generation(gemma.find_token("<eos>")));

  const Tokenizer& ds = json_tok("deepseek-v3");
  EXPECT_EQ(ds.eos_id(), 1);
  EXPECT_TRUE(ds.is_end_of_generation(1));
}

TEST(SpecialTokens, ParseSpecialSwitch) {
  const Tokenizer& qwen = json_tok("qwen3");
  std::string text = "<|im_start|>user\nhi<|im_end|>";
  auto parsed = qwen.encode(text, false, true);
  ASSERT_GE(parsed.size(), 3u);
  EXPECT_EQ(parsed.front(), 151644);
  EXPECT_EQ(parsed.back(), 151645);
  auto literal = qwen.encode(text, false, false);
  EXPECT_FALSE(has(literal, 151644));
  EXPECT_EQ(qwen.decode(literal), text);
  // Non-special added tokens (<think>) are split out even when specials are not parsed, as the
  // tokenizers crate does.
  EXPECT_TRUE(has(qwen.encode("<think>x</think>", false, false), 151667));
  EXPECT_EQ(qwen.decode(parsed, true), "user\nhi");
}

TEST(SpecialTokens, GgufControlTokens) {
  const Tokenizer& spm = gguf_tok("llama-spm");
  EXPECT_EQ(test::ids_to_string(spm.encode("<s>", false, true)), "1");
  EXPECT_FALSE(has(spm.encode("<s>", false, false), 1));
  EXPECT_TRUE(spm.add_bos());
  EXPECT_EQ(spm.encode("Hello", true).front(), 1);
  EXPECT_TRUE(spm.is_special(1));
  EXPECT_EQ(spm.decode(spm.encode("Hello world", true), true), "Hello world");
  // MPT (NeoX vocabulary): its runs of spaces are user-defined tokens, split out of the text
  // whether or not specials are parsed; <|endoftext|> is control.
  const Tokenizer& mpt = gguf_tok("mpt");
  EXPECT_TRUE(has(mpt.encode("a<|endoftext|>", false, true), 0));
  EXPECT_FALSE(has(mpt.encode("a<|endoftext|>", false, false), 0));
}

TEST(SpecialTokens, PythonPostProcessorOption) {
  // deepseek-v3, add_special_tokens=true: tokenizer.json's post-processor adds nothing; Python
  // transformers' LlamaTokenizerFast adds BOS from tokenizer_config.json (ids_hf_python).
  auto py = Tokenizer::from_path(shared_dir() + "/tokenizers/deepseek-v3/tokenizer.json.gz",
                                 TokenizerOptions{.python_post_processor = true});
  const Tokenizer& js = json_tok("deepseek-v3");
  int n = 0;
  for (const auto& line :
       test::read_lines(shared_dir() + "/vectors/tokenizers/deepseek-v3.jsonl")) {
    auto j = nlohmann::json::parse(line);
    if (!j["add_special_tokens"].get<bool>()) continue;
    ++n;
    std::string text = j["text"];
    EXPECT_EQ(test::ids_to_string(py->encode(text, true)),
              test::ids_to_string(j["ids_hf_python"].get<std::vector<int32_t>>()));
    EXPECT_EQ(test::ids_to_string(js.encode(text, true)),
              test::ids_to_string(j["ids"].get<std::vector<int32_t>>()));
  }
  EXPECT_EQ(n, 14);
  // Gemma's tokenizer.json template already adds <bos>: the option changes nothing there.
  auto gemma_py = Tokenizer::from_path(shared_dir() + "/tokenizers/gemma-3/tokenizer.json.gz",
                                       TokenizerOptions{.python_post_processor = true});
  EXPECT_EQ(gemma_py->encode("Hello", true), json_tok("gemma-3").encode("Hello", true));
}

// Streaming every vector's ids one piece at a time through a Utf8StreamBuffer gives decode().
TEST(SpecialTokens, StreamingPiecesMatchDecode) {
  for (const char* name : {"qwen3", "llama-3.1", "deepseek-v3", "gpt-oss", "gemma-3"}) {
    const Tokenizer& tok = json_tok(name);
    for (const auto& line :
         test::read_lines(shared_dir() + "/vectors/tokenizers/" + std::string(name) + ".jsonl")) {
      auto ids = nlohmann::json::parse(line)["ids"].get<std::vector<int32_t>>();
      Utf8StreamBuffer buf;
      std::string streamed;
      int32_t prev = -1;
      for (int32_t id : ids) {
        streamed += buf.push(tok.piece(id, prev));
        prev = id;
      }
      streamed += buf.flush();
      std::string whole = tok.decode(ids);
      // decode() keeps raw bytes; the stream releases valid UTF-8 (the same for these texts,
      // apart from a text starting right after BOS, where streaming drops a dummy prefix).
      if (!ids.empty() && ids[0] == tok.bos_id()) continue;
      EXPECT_EQ(streamed, whole) << name << ": " << line.substr(0, 80);
    }
  }
}

}  // namespace
}  // namespace owl
