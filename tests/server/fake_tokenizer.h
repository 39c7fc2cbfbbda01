// A small deterministic tokenizer for server tests: every byte is a token, plus special tokens
// and some words, encoded greedily (longest match). Not a real BPE: tests only need a faithful
// round trip and realistic multi-byte tokens.
#pragma once

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace owl::testing {

class FakeTokenizer final : public Tokenizer {
 public:
  FakeTokenizer() {
    for (int b = 0; b < 256; ++b) add(std::string(1, static_cast<char>(b)), TokenKind::kByte);
    for (const char* s :
         {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|channel|>", "<|message|>", "<|end|>",
          "<|start|>", "<|call|>", "<|return|>", "<|constrain|>"}) {
      add(s, TokenKind::kControl);
    }
    for (const char* s : {"<think>", "</think>", "<tool_call>", "</tool_call>"})
      add(s, TokenKind::kUserDefined);
    for (const char* s :
         {"Hello", " world", "the", " the", "weather", " Paris", "\"name\"", "\"arguments\"", ": ",
          ", ", "{\"", "\"}", "assistant", "user", "system", "\n\n", "  ", "ing", " is"}) {
      add(s, TokenKind::kNormal);
    }
    eog_ = {find_token("<|im_end|>"), find_token("<|endoftext|>"), find_token("<|return|>"),
            find_token("<|call|>")};
  }

  std::vector<int32_t> encode(std::string_view text, bool,
                              bool parse_special = true) const override {
    std::vector<int32_t> ids;
    size_t i = 0;
    while (i < text.size()) {
      int32_t best = static_cast<unsigned char>(text[i]);
      size_t best_len = 1;
      for (int32_t id = 256; id < n_vocab(); ++id) {
        const std::string& t = texts_[static_cast<size_t>(id)];
        if (!parse_special && kinds_[static_cast<size_t>(id)] != TokenKind::kNormal) continue;
        if (t.size() > best_len && text.substr(i, t.size()) == t) {
          best = id;
          best_len = t.size();
        }
      }
      ids.push_back(best);
      i += best_len;
    }
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override {
    std::string out;
    for (int32_t id : ids) {
      if (skip_special && kinds_[static_cast<size_t>(id)] == TokenKind::kControl) continue;
      out += texts_[static_cast<size_t>(id)];
    }
    return out;
  }
  std::string piece(int32_t id, int32_t) const override { return texts_[static_cast<size_t>(id)]; }
  int32_t n_vocab() const override { return static_cast<int32_t>(texts_.size()); }
  std::string_view token_text(int32_t id) const override { return texts_[static_cast<size_t>(id)]; }
  TokenKind token_kind(int32_t id) const override { return kinds_[static_cast<size_t>(id)]; }
  int32_t find_token(std::string_view text) const override {
    auto it = ids_.find(std::string(text));
    return it == ids_.end() ? -1 : it->second;
  }
  int32_t bos_id() const override { return -1; }
  int32_t eos_id() const override { return find_token("<|endoftext|>"); }
  bool add_bos() const override { return false; }
  bool add_eos() const override { return false; }
  bool is_end_of_generation(int32_t id) const override {
    return std::find(eog_.begin(), eog_.end(), id) != eog_.end();
  }
  const std::vector<int32_t>& end_of_generation_ids() const override { return eog_; }
  void add_end_of_generation(int32_t id) override { eog_.push_back(id); }
  bool is_special(int32_t id) const override {
    return kinds_[static_cast<size_t>(id)] == TokenKind::kControl;
  }
  bool clean_up_tokenization_spaces() const override { return false; }
  std::string summary() const override { return "fake byte-level vocabulary"; }

 private:
  void add(const std::string& text, TokenKind kind) {
    ids_.emplace(text, static_cast<int32_t>(texts_.size()));
    texts_.push_back(text);
    kinds_.push_back(kind);
  }
  std::vector<std::string> texts_;
  std::vector<TokenKind> kinds_;
  std::unordered_map<std::string, int32_t> ids_;
  std::vector<int32_t> eog_;
};

}  // namespace owl::testing
