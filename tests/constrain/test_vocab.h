// Synthetic byte-level vocabularies for constraint tests: every single byte, plus multi-byte
// fragments like a BPE vocabulary has (JSON punctuation runs, words, digits, UTF-8, partial
// UTF-8 sequences), plus one end-of-generation token.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "constrain/token_vocab.h"

namespace owl::testing {

inline std::shared_ptr<const constrain::TokenVocab> byte_vocab() {
  std::vector<std::string> bytes;
  for (int b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
  bytes.emplace_back("<eos>");
  return std::make_shared<const constrain::TokenVocab>(std::move(bytes), std::vector<int32_t>{256});
}

inline std::shared_ptr<const constrain::TokenVocab> fragment_vocab() {
  std::vector<std::string> bytes;
  for (int b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
  const char* fragments[] = {"{\"",
                             "\":",
                             "\": ",
                             "\",",
                             "\", \"",
                             "\"}",
                             "\"]",
                             "},",
                             "}]",
                             "]}",
                             "[]",
                             "{}",
                             "[{",
                             "true",
                             "false",
                             "null",
                             "nul",
                             "tr",
                             "name",
                             "age",
                             "tags",
                             "value",
                             "children",
                             "unit",
                             "celsius",
                             "fahren",
                             "heit",
                             "123",
                             "45",
                             "0.",
                             "e+",
                             "-1",
                             "  ",
                             "\n",
                             "\n  ",
                             "    ",
                             "\\n",
                             "\\\"",
                             "\\u00",
                             "\\ud83d",
                             "\\ude00",
                             "é",
                             "中文",
                             "🦉",
                             "\xe4\xb8",
                             "\xad",
                             "\xf0\x9f",
                             "hello world",
                             " the",
                             "ing",
                             "weather",
                             "kind",
                             "score",
                             "<think>",
                             "</think>",
                             "<tool_call>",
                             "</tool_call>",
                             "\"name\": \"",
                             "\"arguments\": {",
                             "</arg_value>",
                             "</parameter>",
                             "<|end|>",
                             "<|channel|>",
                             "<|message|>"};
  std::vector<int32_t> special;  // control tokens, as a tokenizer marks them
  for (const char* f : fragments) {
    const std::string t(f);
    if (t.rfind("<|", 0) == 0) special.push_back(static_cast<int32_t>(bytes.size()));
    bytes.emplace_back(t);
  }
  bytes.emplace_back("<eos>");
  const auto eos = static_cast<int32_t>(bytes.size() - 1);
  bytes.emplace_back("");  // a token with no bytes (never allowed)
  return std::make_shared<const constrain::TokenVocab>(std::move(bytes), std::vector<int32_t>{eos},
                                                       std::move(special));
}

}  // namespace owl::testing
