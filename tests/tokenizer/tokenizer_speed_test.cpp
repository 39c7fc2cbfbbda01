// Encoding throughput on 1 MB of real text (GSM8K questions and answers), reported in MB/s for
// each vocabulary kind. The figures are printed, not asserted (machines differ); the test only
// checks that the text round-trips, so the timed work is the real thing.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "test_data.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

using test::shared_dir;

const std::string& megabyte_of_text() {
  static const std::string text = [] {
    std::string t;
    for (const auto& line : test::read_lines(shared_dir() + "/datasets/gsm8k/train.jsonl")) {
      auto j = nlohmann::json::parse(line);
      t += j["question"].get<std::string>() + "\n" + j["answer"].get<std::string>() + "\n\n";
      if (t.size() >= (1u << 20)) break;
    }
    t.resize(1u << 20);
    while (!t.empty() && (static_cast<uint8_t>(t.back()) & 0xC0) == 0x80) t.pop_back();
    if (!t.empty() && static_cast<uint8_t>(t.back()) >= 0xC0) t.pop_back();
    return t;
  }();
  return text;
}

void measure(const std::string& label, const std::string& path) {
  const Tokenizer& tok = test::cached_tokenizer(path);
  const std::string& text = megabyte_of_text();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<int32_t> ids = tok.encode(text, false);
  auto t1 = std::chrono::steady_clock::now();
  double s = std::chrono::duration<double>(t1 - t0).count();
  double mb = static_cast<double>(text.size()) / (1 << 20);
  std::printf("[ speed    ] %-10s %.2f MB in %.3f s: %.1f MB/s, %zu tokens\n", label.c_str(), mb, s,
              mb / s, ids.size());
  EXPECT_EQ(tok.decode(ids), text);
}

std::string json_tok(const std::string& name) {
  return shared_dir() + "/tokenizers/" + name + "/tokenizer.json.gz";
}
std::string gguf_tok(const std::string& name) {
  return shared_dir() + "/tokenizers/ggml-vocab/ggml-vocab-" + name + ".gguf";
}

TEST(TokenizerSpeed, Qwen3) { measure("qwen3", json_tok("qwen3")); }
TEST(TokenizerSpeed, Llama31) { measure("llama-3.1", json_tok("llama-3.1")); }
TEST(TokenizerSpeed, Gemma3) { measure("gemma-3", json_tok("gemma-3")); }
TEST(TokenizerSpeed, Gpt2Gguf) { measure("gpt-2", gguf_tok("gpt-2")); }
TEST(TokenizerSpeed, LlamaSpmGguf) { measure("llama-spm", gguf_tok("llama-spm")); }

}  // namespace
}  // namespace owl
