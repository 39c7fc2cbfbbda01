// Encoding and decoding shared by every vocabulary kind
// (tokenizers/src/tokenizer/mod.rs encode_single_sequence / decode semantics).
#include "tokenizer/pipeline_tokenizer.h"

#include <algorithm>

#include "base/error.h"
#include "tokenizer/utf8.h"

namespace owl {

PipelineTokenizer::PipelineTokenizer(TokenizerParts parts) : p_(std::move(parts)) {
  p_.special.resize(p_.vocab->size(), false);
  for (int32_t id : p_.end_of_generation) eog_set_.insert(id);
}

void PipelineTokenizer::encode_text(std::string_view text, bool at_start, bool parse_special,
                                    std::vector<int32_t>& out) const {
  std::string normalized = p_.normalizer.empty() ? std::string(text) : p_.normalizer.apply(text);
  if (normalized.empty()) return;
  std::vector<TextSegment> segs;
  if (p_.added_normalized.empty()) {
    segs.push_back({0, normalized.size(), -1});
  } else {
    segs = p_.added_normalized.split(normalized, parse_special);
  }
  auto encode_word = [&](std::string_view word, bool) { p_.model->encode(word, out); };
  std::string_view norm = normalized;
  for (const TextSegment& s : segs) {
    if (s.token >= 0) {
      out.push_back(s.token);
    } else {
      p_.pre_tokenizer.split(norm.substr(s.begin, s.end - s.begin), at_start && s.begin == 0,
                             encode_word);
    }
  }
}

std::vector<int32_t> PipelineTokenizer::encode(std::string_view input, bool add_special,
                                               bool parse_special) const {
  // Text is UTF-8 for every reference; ill-formed bytes become U+FFFD.
  std::string text = utf8::sanitize(input);
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  if (p_.added.empty()) {
    encode_text(text, true, parse_special, ids);
  } else {
    for (const TextSegment& s : p_.added.split(text, parse_special)) {
      if (s.token >= 0) {
        ids.push_back(s.token);
      } else {
        encode_text(std::string_view(text).substr(s.begin, s.end - s.begin), s.begin == 0,
                    parse_special, ids);
      }
    }
  }
  if (add_special && (!p_.prefix.empty() || !p_.suffix.empty())) {
    std::vector<int32_t> full;
    full.reserve(ids.size() + p_.prefix.size() + p_.suffix.size());
    full.insert(full.end(), p_.prefix.begin(), p_.prefix.end());
    full.insert(full.end(), ids.begin(), ids.end());
    full.insert(full.end(), p_.suffix.begin(), p_.suffix.end());
    return full;
  }
  return ids;
}

void PipelineTokenizer::append_piece(int32_t id, Decoder::State& state, std::string& out) const {
  std::string_view text = p_.vocab->text(id);
  TokenKind k = p_.vocab->kind(id);
  if (p_.decode_added_raw &&
      (k == TokenKind::kControl || k == TokenKind::kUserDefined || k == TokenKind::kUnknown)) {
    out += text;
    state.first = false;
    state.produced = state.produced || !text.empty();
    return;
  }
  p_.decoder.decode_token(text, state, out);
}

std::string PipelineTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out;
  Decoder::State state;
  for (int32_t id : ids) {
    // Ids outside the vocabulary are skipped, as the tokenizers crate does (a model's output
    // layer may be padded beyond the vocabulary).
    if (!p_.vocab->valid(id)) continue;
    if (skip_special && p_.special[id]) continue;
    append_piece(id, state, out);
  }
  return out;
}

std::string PipelineTokenizer::piece(int32_t id, int32_t prev) const {
  std::string out;
  if (!p_.vocab->valid(id)) return out;
  // A token streamed first, or right after BOS, starts the text: the SentencePiece dummy
  // prefix space is dropped there (llama2.c run.c decode; llama.cpp's detokenizer).
  Decoder::State state;
  if (prev >= 0 && !(prev == p_.bos && p_.vocab->valid(prev) && p_.special[prev])) {
    state.first = false;
    state.produced = true;
  }
  append_piece(id, state, out);
  return out;
}

std::string_view PipelineTokenizer::token_text(int32_t id) const {
  if (!p_.vocab->valid(id))
    fail("token id {} is outside the vocabulary (0..{})", id, n_vocab() - 1);
  return p_.vocab->text(id);
}

TokenKind PipelineTokenizer::token_kind(int32_t id) const {
  if (!p_.vocab->valid(id))
    fail("token id {} is outside the vocabulary (0..{})", id, n_vocab() - 1);
  return p_.vocab->kind(id);
}

int32_t PipelineTokenizer::find_token(std::string_view text) const { return p_.vocab->find(text); }

bool PipelineTokenizer::is_special(int32_t id) const {
  return p_.vocab->valid(id) && p_.special[id];
}

void PipelineTokenizer::add_end_of_generation(int32_t id) {
  if (eog_set_.insert(id).second) p_.end_of_generation.push_back(id);
}

std::vector<int32_t> find_end_of_generation(const Vocab& vocab, int32_t eos) {
  // Token texts that end a turn or a generation in the families owl runs (the list llama.cpp
  // keeps in llama-vocab.cpp, plus DeepSeek's end of sentence and Gemma's <eos>).
  static const char* const kNames[] = {
      "<|eot_id|>",
      "<|eom_id|>",
      "<|im_end|>",
      "<|end|>",
      "<|return|>",
      "<|call|>",
      "<end_of_turn>",
      "<|endoftext|>",
      "<|end_of_text|>",
      "<EOT>",
      "<end_of_utterance>",
      "<eos>",
      "<\xEF\xBD\x9C"
      "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
  };
  std::vector<int32_t> ids;
  if (eos >= 0) ids.push_back(eos);
  bool harmony = vocab.find("<|return|>") >= 0 && vocab.find("<|call|>") >= 0;
  for (const char* name : kNames) {
    // In o200k_harmony (gpt-oss) <|end|> closes a message but not the generation.
    if (harmony && std::string_view(name) == "<|end|>") continue;
    int32_t id = vocab.find(name);
    if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  return ids;
}

}  // namespace owl
