// The pre-tokenizer regexes behind GGUF tokenizer.ggml.pre names.
#include "tokenizer/gguf_presets.h"

#include <initializer_list>
#include <string>

#include "base/error.h"

namespace owl {

namespace {

// Regexes as they appear in the models' tokenizer.json files.
constexpr const char* kLlama3 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kQwen2 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kO200k =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
    "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kTekken =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|"
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|"
    "\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char* kDeepseekV3Words =
    "[!\"#$%&'()*+,\\-./"
    ":;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
    "| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// DeepSeek LLM's letter class (the Latin/Greek/Cyrillic/... letters of its tokenizer.json).
constexpr const char* kDeepseekLlmLetters =
    "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-"
    "\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1"
    "\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-"
    "\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-"
    "\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4"
    "\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-"
    "\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-"
    "\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-"
    "\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-"
    "\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-"
    "\U0001044f\U000104b0-\U000104d3\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-"
    "\U00010cf2\U000118a0-\U000118df\U0001e900-\U0001e943]+";
constexpr const char* kCjk = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+";
// GPT-2's regex without its final alternative, as llama.cpp lists it (the uncovered
// whitespace ends up in the gaps, which Isolated keeps as pieces anyway).
constexpr const char* kGpt2Core =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (name == n) return true;
  }
  return false;
}

// A Sequence of Isolated regex splits followed by ByteLevel without its own regex.
GgufBpePreset splits(std::initializer_list<const char*> regexes) {
  GgufBpePreset p;
  for (const char* r : regexes) p.pre_tokenizer.add_split_regex(r, SplitBehavior::kIsolated);
  p.pre_tokenizer.add_byte_level(false, false);
  return p;
}

}  // namespace

GgufBpePreset gguf_bpe_preset(std::string_view pre) {
  if (one_of(pre, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0",
                   "lfm2"})) {
    GgufBpePreset p = splits({kLlama3});
    p.ignore_merges = true;
    p.add_bos = true;
    return p;
  }
  if (one_of(pre, {"dbrx", "smaug-bpe", "glm4", "chatglm-bpe"})) return splits({kLlama3});
  if (one_of(pre,
             {"qwen2", "deepseek-r1-qwen", "kormo", "stablelm2", "megrez", "hunyuan", "grok-2"})) {
    return splits({kQwen2});
  }
  if (one_of(pre, {"gpt-4o", "llama4", "minimax-m2"})) {
    GgufBpePreset p = splits({kO200k});
    p.ignore_merges = true;  // the o200k tokenizer.json files set ignore_merges
    return p;
  }
  if (pre == "tekken") {
    GgufBpePreset p = splits({kTekken});
    p.ignore_merges = true;
    p.add_bos = true;
    return p;
  }
  if (one_of(pre, {"deepseek-v3", "hunyuan-dense"})) {
    return splits({"\\p{N}{1,3}", "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+", kDeepseekV3Words});
  }
  if (pre == "deepseek-llm") {
    return splits({"[\\r\\n]", kDeepseekLlmLetters,
                   "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+", "\\s+$",
                   kCjk, "\\p{N}+"});
  }
  if (pre == "deepseek-coder") {
    return splits({"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", kCjk, "\\p{N}"});
  }
  if (pre == "falcon") {
    // Falcon's tokenizer.json: Punctuation (contiguous), ByteLevel with the GPT-2 regex,
    // Digits (contiguous), then runs of three digits isolated.
    GgufBpePreset p;
    p.pre_tokenizer.add_punctuation(SplitBehavior::kContiguous);
    p.pre_tokenizer.add_byte_level(false, true);
    p.pre_tokenizer.add_digits(false);
    p.pre_tokenizer.add_split_regex("[0-9][0-9][0-9]", SplitBehavior::kIsolated);
    return p;
  }
  if (one_of(pre,
             {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"})) {
    // Digits one by one, then ByteLevel with the GPT-2 regex.
    GgufBpePreset p;
    p.pre_tokenizer.add_digits(true);
    p.pre_tokenizer.add_byte_level(false, true);
    return p;
  }
  if (one_of(pre, {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de",
                   "a.x-4.0", "mellum", "mpt", "olmo", "jais", "trillion", "granite-docling",
                   "exaone4", "jina-v1-en", "jina-v2-code", "roberta-bpe"})) {
    GgufBpePreset p;
    p.pre_tokenizer.add_byte_level(false, true);
    return p;
  }
  if (one_of(pre, {"poro-chat", "bloom", "gpt3-finnish"})) {
    return splits({" ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+"});
  }
  if (pre == "viking") {
    return splits({" ?[^(\\s|.,!?\u2026\u3002\uff0c\u3001\u0964\u06d4\u060c)]+", "\\p{N}"});
  }
  if (pre == "chameleon") {
    GgufBpePreset p = splits({"<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                              "([\\t\\n]|    |  )", "\\p{N}", "[\\p{P}!-/:-@\\[-`{-~]", kGpt2Core});
    p.add_bos = true;
    return p;
  }
  if (one_of(pre, {"bailingmoe", "bailingmoe2", "llada-moe"})) {
    return splits(
        {"'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}| "
         "?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+"});
  }
  if (pre == "seed-coder") {
    return splits(
        {"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| "
         "?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"});
  }
  if (one_of(pre, {"kimi-k2", "afmoe", "superbpe", "qwen35", "gemma4", "solar-open"})) {
    fail("GGUF pre-tokenizer '{}' is not supported by owl", pre);
  }
  // "default", a missing name, or one owl does not know: llama.cpp's default splits.
  GgufBpePreset p = splits({"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2Core, "\\p{N}+", "[0-9][0-9][0-9]"});
  p.known = pre == "default";
  return p;
}

}  // namespace owl
