// tokenizer.json -> GGUF tokenizer metadata, as llama.cpp's convert_hf_to_gguf.py lays it out.
#include "tokenizer/gguf_export.h"

#include <filesystem>
#include <map>

#include "base/error.h"
#include "formats/gguf_writer.h"
#include "formats/hf_folder.h"
#include "tokenizer/gguf_presets.h"
#include "tokenizer/pre_tokenizer.h"

namespace owl {
namespace {

namespace fs = std::filesystem;

// GGUF token types (llama.cpp's llama_token_type).
constexpr int32_t kNormal = 1, kControl = 3, kUserDefined = 4, kUnused = 5;

// Text that tells the pre-tokenizer variants apart: contractions, digit runs, punctuation,
// whitespace runs, newlines, CJK, accents and symbols.
constexpr const char* kProbe =
    "Hello world! It's 12345 and 3.14159, isn't it?  Two  spaces,\ttab\n\nnew lines\r\n"
    "'S 'LL 've 're 'd 'm I'M THEY'RE ... !!! ??? --- ___ a_b a-b x=1+2*3/4 (x) [y] {z} <|tag|>\n"
    "  indented code:\n    def f(x):\n        return x ** 2  # comment\n"
    "Ünïcödé naïve café Ελληνικά русский 中文字符 日本語のテキスト 한국어 العربية हिन्दी ๑๒๓ ①②③ \u00a0nbsp "
    "emoji 🙂👍🏽 1,000,000 2024-01-01 12:30 $9.99 50% @user #tag http://example.com/a?b=c";

std::string find_tokenizer_json(const std::string& dir) {
  for (const char* name : {"tokenizer.json", "tokenizer.json.gz"}) {
    const fs::path p = fs::path(dir) / name;
    if (fs::exists(p)) return p.string();
  }
  fail("{}: no tokenizer.json (or tokenizer.json.gz) in the tokenizer folder", dir);
}

std::vector<PreToken> split(const PreTokenizer& p) { return p.split(kProbe, true); }

bool same_split(const std::vector<PreToken>& a, const std::vector<PreToken>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].text != b[i].text) return false;
  }
  return true;
}

std::string detect_pre(const nlohmann::json& tj, const std::string& path) {
  const nlohmann::json& pre = tj.contains("pre_tokenizer") ? tj["pre_tokenizer"] : nlohmann::json();
  const std::vector<PreToken> ours = split(PreTokenizer::from_json(pre, path + ": pre_tokenizer"));
  for (const char* name : {"qwen2", "llama-bpe", "gpt-4o", "deepseek-v3", "deepseek-llm", "deepseek-coder",
                           "gpt-2", "falcon", "tekken", "starcoder", "refact", "mpt", "kimi-k2"}) {
    GgufBpePreset preset;
    try {
      preset = gguf_bpe_preset(name);
    } catch (const Error&) {
      continue;
    }
    if (same_split(ours, split(preset.pre_tokenizer))) return name;
  }
  fail("{}: its pre-tokenizer matches none of the GGUF pre-tokenizer names owl knows", path);
}

std::string merge_text(const nlohmann::json& m, const std::string& path) {
  if (m.is_string()) return m.get<std::string>();
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
    return m[0].get<std::string>() + " " + m[1].get<std::string>();
  }
  fail("{}: model.merges holds an entry that is neither \"a b\" nor [\"a\", \"b\"]", path);
}

// The id of a special token named in tokenizer_config.json (a string or {"content": ...}).
int32_t special_id(const nlohmann::json& config, const char* key, const std::map<std::string, int32_t>& ids) {
  if (!config.is_object() || !config.contains(key)) return -1;
  const nlohmann::json& v = config[key];
  std::string text;
  if (v.is_string()) text = v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) text = v["content"].get<std::string>();
  auto it = ids.find(text);
  return it == ids.end() ? -1 : it->second;
}

}  // namespace

void write_gguf_tokenizer(const std::string& dir, int32_t vocab_size, gguf::Writer& w) {
  const std::string path = find_tokenizer_json(dir);
  const nlohmann::json tj = nlohmann::json::parse(read_text_file(path), nullptr, false);
  if (tj.is_discarded() || !tj.is_object()) fail("{}: not valid JSON", path);
  const nlohmann::json& model = tj.value("model", nlohmann::json::object());
  if (model.value("type", "") != "BPE" || !model.contains("vocab") || !model["vocab"].is_object()) {
    fail("{}: only BPE tokenizers can be carried into GGUF (model.type is \"{}\")", path, model.value("type", ""));
  }
  if (model.value("byte_fallback", false)) {
    fail("{}: SentencePiece-style BPE (byte_fallback) cannot be carried yet; byte-level BPE can", path);
  }
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::map<std::string, int32_t> ids;
  auto put = [&](int64_t id, const std::string& text, int32_t type) {
    if (id < 0 || id > (1 << 24)) fail("{}: token id {} out of range", path, id);
    if (static_cast<size_t>(id) >= tokens.size()) {
      tokens.resize(static_cast<size_t>(id) + 1);
      types.resize(static_cast<size_t>(id) + 1, 0);
    }
    tokens[static_cast<size_t>(id)] = text;
    types[static_cast<size_t>(id)] = type;
    ids[text] = static_cast<int32_t>(id);
  };
  for (const auto& [text, id] : model["vocab"].items()) {
    if (!id.is_number_integer()) fail("{}: model.vocab[\"{}\"] is not an integer id", path, text);
    put(id.get<int64_t>(), text, kNormal);
  }
  if (tj.contains("added_tokens") && tj["added_tokens"].is_array()) {
    for (const auto& t : tj["added_tokens"]) {
      if (!t.is_object() || !t.contains("id") || !t.contains("content")) fail("{}: malformed added_tokens entry", path);
      put(t["id"].get<int64_t>(), t["content"].get<std::string>(), t.value("special", false) ? kControl : kUserDefined);
    }
  }
  if (static_cast<int32_t>(tokens.size()) > vocab_size) {
    fail("{}: the tokenizer has {} tokens but the model's vocabulary has {}", path, tokens.size(), vocab_size);
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (types[i] == 0) {
      tokens[i] = "[PAD" + std::to_string(i) + "]";
      types[i] = kUnused;
    }
  }
  while (static_cast<int32_t>(tokens.size()) < vocab_size) {
    tokens.push_back("[PAD" + std::to_string(tokens.size()) + "]");
    types.push_back(kUnused);
  }
  std::vector<gguf::Value> tv, ty, mv;
  for (size_t i = 0; i < tokens.size(); ++i) {
    tv.push_back(gguf::Value::string(tokens[i]));
    ty.push_back(gguf::Value::i32(types[i]));
  }
  if (model.contains("merges") && model["merges"].is_array()) {
    for (const auto& m : model["merges"]) mv.push_back(gguf::Value::string(merge_text(m, path)));
  }
  w.set("tokenizer.ggml.model", gguf::Value::string("gpt2"));
  w.set("tokenizer.ggml.pre", gguf::Value::string(detect_pre(tj, path)));
  w.set("tokenizer.ggml.tokens", gguf::Value::array(gguf::ValueType::kString, std::move(tv)));
  w.set("tokenizer.ggml.token_type", gguf::Value::array(gguf::ValueType::kI32, std::move(ty)));
  w.set("tokenizer.ggml.merges", gguf::Value::array(gguf::ValueType::kString, std::move(mv)));

  nlohmann::json config = nlohmann::json::object();
  const fs::path config_path = fs::path(dir) / "tokenizer_config.json";
  if (fs::exists(config_path)) config = read_json_file(config_path.string());
  const int32_t bos = special_id(config, "bos_token", ids), eos = special_id(config, "eos_token", ids);
  const int32_t pad = special_id(config, "pad_token", ids), unk = special_id(config, "unk_token", ids);
  if (bos >= 0) w.set("tokenizer.ggml.bos_token_id", gguf::Value::u32(static_cast<uint32_t>(bos)));
  if (eos >= 0) w.set("tokenizer.ggml.eos_token_id", gguf::Value::u32(static_cast<uint32_t>(eos)));
  if (pad >= 0) w.set("tokenizer.ggml.padding_token_id", gguf::Value::u32(static_cast<uint32_t>(pad)));
  if (unk >= 0) w.set("tokenizer.ggml.unknown_token_id", gguf::Value::u32(static_cast<uint32_t>(unk)));
  w.set("tokenizer.ggml.add_bos_token", gguf::Value::boolean(config.value("add_bos_token", false) && bos >= 0));
  // Chat template: chat_template.jinja, else tokenizer_config.json's (a string or named list).
  const fs::path jinja = fs::path(dir) / "chat_template.jinja";
  if (fs::exists(jinja)) {
    w.set("tokenizer.chat_template", gguf::Value::string(read_text_file(jinja.string())));
  } else if (config.contains("chat_template") && config["chat_template"].is_string()) {
    w.set("tokenizer.chat_template", gguf::Value::string(config["chat_template"].get<std::string>()));
  } else if (config.contains("chat_template") && config["chat_template"].is_array()) {
    for (const auto& e : config["chat_template"]) {
      if (!e.is_object() || !e.contains("name") || !e.contains("template")) continue;
      const std::string name = e["name"].get<std::string>();
      w.set(name == "default" ? "tokenizer.chat_template" : "tokenizer.chat_template." + name,
            gguf::Value::string(e["template"].get<std::string>()));
    }
  }
}

}  // namespace owl
