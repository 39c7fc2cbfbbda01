// llama2.c tokenizer.bin loader (format of llama2.c's tokenizer.py export, read by run.c
// build_tokenizer): int32 max_token_length, then per token f32 score, int32 length, bytes.
#include <fmt/format.h>

#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "base/mapped_file.h"
#include "tokenizer/loaders.h"
#include "tokenizer/pipeline_tokenizer.h"
#include "tokenizer/spm_model.h"

namespace owl {

namespace {

struct Entry {
  float score;
  std::string text;
};

std::vector<Entry> read_entries(const std::string& path, int32_t vocab_size) {
  MappedFile f(path);
  const uint8_t* d = f.data();
  size_t n = f.size(), pos = 0;
  auto read_i32 = [&](const char* what, size_t index) {
    if (pos + 4 > n) fail("{}: truncated at token {} ({})", path, index, what);
    int32_t v;
    std::memcpy(&v, d + pos, 4);
    pos += 4;
    return v;
  };
  int32_t max_len = read_i32("max_token_length", 0);
  if (max_len <= 0 || max_len > 1 << 16) {
    fail("{}: not a llama2.c tokenizer (max_token_length {})", path, max_len);
  }
  std::vector<Entry> out;
  for (size_t i = 0; vocab_size < 0 ? pos < n : i < static_cast<size_t>(vocab_size); ++i) {
    Entry e;
    int32_t bits = read_i32("score", i);
    std::memcpy(&e.score, &bits, 4);
    int32_t len = read_i32("length", i);
    if (len < 0 || len > max_len) {
      fail("{}: token {} has length {} (max_token_length {})", path, i, len, max_len);
    }
    if (pos + static_cast<size_t>(len) > n) fail("{}: truncated at token {} (text)", path, i);
    e.text.assign(reinterpret_cast<const char*>(d + pos), static_cast<size_t>(len));
    pos += static_cast<size_t>(len);
    out.push_back(std::move(e));
    if (out.size() > (1u << 22)) fail("{}: too many tokens", path);
  }
  if (out.size() < 3)
    fail("{}: only {} tokens; expected <unk>, <s>, </s> and more", path, out.size());
  return out;
}

}  // namespace

std::unique_ptr<Tokenizer> load_llama2c(const std::string& path, int32_t vocab_size) {
  std::vector<Entry> entries = read_entries(path, vocab_size);
  TokenizerParts parts;
  parts.vocab = std::make_shared<Vocab>(entries.size());
  Vocab& v = *parts.vocab;
  std::array<int32_t, 256> byte_ids;
  byte_ids.fill(-1);
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string text = entries[i].text;
    TokenKind kind = TokenKind::kNormal;
    if (i == 0) {
      kind = TokenKind::kUnknown;
    } else if (i <= 2) {
      // The exporter writes BOS/EOS as "\n<s>\n" and "\n</s>\n"; keep the SentencePiece names.
      kind = TokenKind::kControl;
      size_t b = text.find_first_not_of('\n'), e = text.find_last_not_of('\n');
      text = b == std::string::npos ? text : text.substr(b, e - b + 1);
    } else if (text.size() == 6 && text.compare(0, 3, "<0x") == 0 && text[5] == '>') {
      unsigned int byte = 0;
      if (std::sscanf(text.c_str(), "<0x%02X>", &byte) == 1 && byte < 256) {
        kind = TokenKind::kByte;
        byte_ids[byte] = static_cast<int32_t>(i);
      }
    }
    v.set(static_cast<int32_t>(i), text, kind, entries[i].score);
  }
  v.build_index();
  // run.c: a dummy " " prefix token for non-empty text, then score-driven merging; characters
  // without a token become byte tokens. The vocabulary stores spaces as ' ' (not U+2581).
  parts.normalizer = Normalizer::sentencepiece(true, " ");
  parts.model = std::make_unique<SpmModel>(parts.vocab, byte_ids, 0);
  parts.decoder = Decoder::sentencepiece(" ", true);
  parts.bos = 1;
  parts.eos = 2;
  parts.prefix = {1};
  parts.special.assign(v.size(), false);
  parts.special[0] = parts.special[1] = parts.special[2] = true;
  parts.end_of_generation = {2};
  parts.description = fmt::format("llama2.c SentencePiece BPE, {} tokens ({})", v.size(),
                                  std::filesystem::path(path).filename().string());
  return std::make_unique<PipelineTokenizer>(std::move(parts));
}

}  // namespace owl
