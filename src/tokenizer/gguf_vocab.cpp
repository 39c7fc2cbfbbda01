// Tokenizer from GGUF tokenizer.ggml.* metadata: "llama" (SentencePiece, score-driven BPE with
// byte fallback and the dummy-prefix space) and "gpt2" (byte-level BPE with merges and the
// pre-tokenizer named by tokenizer.ggml.pre). Token types and special ids as llama.cpp reads
// them (llama-vocab.cpp load).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "base/error.h"
#include "formats/gguf.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/gguf_presets.h"
#include "tokenizer/pipeline_tokenizer.h"
#include "tokenizer/spm_model.h"

namespace owl {

namespace {

constexpr const char* kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

TokenKind kind_of(int64_t type) {
  switch (type) {
    case 2:
      return TokenKind::kUnknown;
    case 3:
      return TokenKind::kControl;
    case 4:
      return TokenKind::kUserDefined;
    case 5:
      return TokenKind::kUnused;
    case 6:
      return TokenKind::kByte;
    default:  // 1 normal, 0 undefined
      return TokenKind::kNormal;
  }
}

std::shared_ptr<Vocab> read_vocab(const gguf::File& f) {
  const std::string& path = f.path();
  const gguf::Value* tokens = f.get_array("tokenizer.ggml.tokens");
  if (tokens == nullptr) fail("{}: no tokenizer.ggml.tokens (the file has no vocabulary)", path);
  const auto& items = tokens->items();
  if (items.empty()) fail("{}: tokenizer.ggml.tokens is empty", path);
  const gguf::Value* scores = f.get_array("tokenizer.ggml.scores");
  const gguf::Value* types = f.get_array("tokenizer.ggml.token_type");
  for (const auto& [arr, key] : {std::pair{scores, "scores"}, std::pair{types, "token_type"}}) {
    if (arr != nullptr && arr->items().size() != items.size()) {
      fail("{}: tokenizer.ggml.{} has {} entries for {} tokens", path, key, arr->items().size(),
           items.size());
    }
  }
  auto v = std::make_shared<Vocab>(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string* text = items[i].as_string();
    if (text == nullptr) fail("{}: tokenizer.ggml.tokens[{}] is not a string", path, i);
    float score = 0.0f;
    if (scores != nullptr) {
      auto d = scores->items()[i].as_double();
      if (!d) fail("{}: tokenizer.ggml.scores[{}] is not a number", path, i);
      score = static_cast<float>(*d);
    }
    TokenKind kind = TokenKind::kNormal;
    if (types != nullptr) {
      auto t = types->items()[i].as_int();
      if (!t) fail("{}: tokenizer.ggml.token_type[{}] is not an integer", path, i);
      kind = kind_of(*t);
    }
    v->set(static_cast<int32_t>(i), *text, kind, score);
  }
  v->build_index();
  return v;
}

int32_t special_id(const gguf::File& f, const char* key, int32_t fallback, size_t n) {
  auto id = f.get_int(std::string("tokenizer.ggml.") + key);
  if (!id) return fallback;
  // llama.cpp keeps the default for an out-of-range id.
  return *id >= 0 && static_cast<size_t>(*id) < n ? static_cast<int32_t>(*id) : fallback;
}

// Control, user-defined and unknown tokens are matched in the text (llama.cpp
// tokenizer_st_partition); only user-defined ones when specials are not parsed.
std::vector<AddedToken> added_tokens(const gguf::File& f, const Vocab& v) {
  std::string name = f.get_string("general.name").value_or("");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // Phi-3's tokenizer.json strips whitespace after its chat tokens; llama.cpp restores that by
  // model name.
  bool phi3 = name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos;
  std::vector<AddedToken> out;
  for (size_t id = 0; id < v.size(); ++id) {
    TokenKind k = v.kind(static_cast<int32_t>(id));
    if (k != TokenKind::kControl && k != TokenKind::kUserDefined && k != TokenKind::kUnknown) {
      continue;
    }
    AddedToken a;
    a.id = static_cast<int32_t>(id);
    a.content = std::string(v.text(a.id));
    if (a.content.empty()) continue;
    a.special = k != TokenKind::kUserDefined;
    if (phi3) {
      a.rstrip = a.content != "<unk>" && a.content != "<s>" && a.content != "<|endoftext|>";
    }
    out.push_back(std::move(a));
  }
  return out;
}

void build_spm(const gguf::File& f, TokenizerParts& parts, bool add_space_prefix, int32_t unk) {
  const Vocab& v = *parts.vocab;
  std::array<int32_t, 256> byte_ids;
  char buf[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
    byte_ids[b] = v.find(buf);
    if (byte_ids[b] < 0) byte_ids[b] = v.find(std::string(1, static_cast<char>(b)));
  }
  // llama.cpp: a space before the text (and after each special token) when add_space_prefix,
  // then every space escaped to U+2581.
  parts.normalizer = Normalizer::sentencepiece(add_space_prefix, kSpace);
  parts.model = std::make_unique<SpmModel>(parts.vocab, byte_ids, unk);
  parts.decoder = Decoder::sentencepiece(kSpace, add_space_prefix);
  parts.description = fmt::format("GGUF llama (SentencePiece BPE), {} tokens", v.size());
  (void)f;
}

void build_bpe(const gguf::File& f, TokenizerParts& parts, const GgufBpePreset& preset,
               const std::string& pre) {
  const std::string& path = f.path();
  const Vocab& v = *parts.vocab;
  const gguf::Value* merges = f.get_array("tokenizer.ggml.merges");
  if (merges == nullptr) fail("{}: gpt2 tokenizer without tokenizer.ggml.merges", path);
  MergeTable table;
  table.reserve(merges->items().size());
  int32_t rank = 0;
  for (const gguf::Value& m : merges->items()) {
    const std::string* s = m.as_string();
    if (s == nullptr) fail("{}: tokenizer.ggml.merges[{}] is not a string", path, rank);
    size_t sp = s->find(' ', 1);  // a token may start with a space, never end the first half
    if (sp == std::string::npos)
      fail("{}: tokenizer.ggml.merges[{}]: no space in '{}'", path, rank, *s);
    std::string a = s->substr(0, sp), b = s->substr(sp + 1);
    int32_t ia = v.find(a), ib = v.find(b), im = v.find(a + b);
    if (ia >= 0 && ib >= 0 && im >= 0) table.add(ia, ib, rank, im);
    ++rank;
  }
  BpeOptions o;
  o.ignore_merges = preset.ignore_merges;
  parts.description = fmt::format("GGUF gpt2 (byte-level BPE, pre '{}'), {} tokens, {} merges", pre,
                                  v.size(), table.size());
  parts.pre_tokenizer = std::move(const_cast<GgufBpePreset&>(preset).pre_tokenizer);
  parts.model = std::make_unique<BpeModel>(parts.vocab, std::move(table), std::move(o));
  parts.decoder = Decoder::byte_level();
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const gguf::File& f) {
  const std::string& path = f.path();
  auto model = f.get_string("tokenizer.ggml.model");
  if (!model) fail("{}: no tokenizer.ggml.model (the file has no vocabulary)", path);
  bool spm = *model == "llama";
  if (!spm && *model != "gpt2") {
    fail("{}: tokenizer.ggml.model '{}' is not supported (owl reads 'llama' and 'gpt2')", path,
         *model);
  }
  TokenizerParts parts;
  parts.vocab = read_vocab(f);
  size_t n = parts.vocab->size();
  std::string pre = f.get_string("tokenizer.ggml.pre").value_or("default");
  bool add_bos = spm;
  if (spm) {
    parts.bos = special_id(f, "bos_token_id", n > 1 ? 1 : -1, n);
    parts.eos = special_id(f, "eos_token_id", n > 2 ? 2 : -1, n);
    int32_t unk = special_id(f, "unknown_token_id", 0, n);
    bool prefix = f.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    build_spm(f, parts, prefix, unk);
  } else {
    GgufBpePreset preset = gguf_bpe_preset(pre);
    add_bos = preset.add_bos;
    parts.bos = special_id(f, "bos_token_id", -1, n);
    parts.eos = special_id(f, "eos_token_id", -1, n);
    build_bpe(f, parts, preset, pre);
  }
  add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(add_bos);
  bool add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  if (add_bos && parts.bos >= 0) parts.prefix = {parts.bos};
  if (add_eos && parts.eos >= 0) parts.suffix = {parts.eos};

  parts.added.build(added_tokens(f, *parts.vocab));
  parts.decode_added_raw = true;
  parts.special.assign(n, false);
  for (size_t id = 0; id < n; ++id) {
    TokenKind k = parts.vocab->kind(static_cast<int32_t>(id));
    parts.special[id] = k == TokenKind::kControl || k == TokenKind::kUnknown;
  }
  parts.end_of_generation = find_end_of_generation(*parts.vocab, parts.eos);
  for (const char* key : {"eot_token_id", "eom_token_id"}) {
    int32_t id = special_id(f, key, -1, n);
    if (id >= 0 && std::find(parts.end_of_generation.begin(), parts.end_of_generation.end(), id) ==
                       parts.end_of_generation.end()) {
      parts.end_of_generation.push_back(id);
    }
  }
  return std::make_unique<PipelineTokenizer>(std::move(parts));
}

}  // namespace owl
