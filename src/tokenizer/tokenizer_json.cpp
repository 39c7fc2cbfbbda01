// Hugging Face tokenizer.json (+ tokenizer_config.json) loader: model BPE with its vocabulary
// and merges, added tokens, normalizer, pre-tokenizer, post-processor and decoder.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "base/error.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/json_util.h"
#include "tokenizer/loaders.h"
#include "tokenizer/pipeline_tokenizer.h"

namespace owl {

namespace {

using json_util::Json;

Json parse_json_file(const std::string& path) {
  std::string text = read_maybe_gzip(path);
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    fail("{}: invalid JSON: {}", path, e.what());
  }
}

int32_t checked_id(const Json& v, const std::string& where) {
  if (!v.is_number_integer()) fail("{}: expected a token id, found {}", where, v.type_name());
  int64_t id = v.get<int64_t>();
  if (id < 0 || id >= (1 << 24)) fail("{}: token id {} out of range", where, id);
  return static_cast<int32_t>(id);
}

std::vector<AddedToken> parse_added(const Json& root, const std::string& where,
                                    std::vector<bool>& normalized) {
  std::vector<AddedToken> out;
  const Json* list = json_util::optional_field(root, "added_tokens", where);
  if (list == nullptr) return out;
  if (!list->is_array()) fail("{}.added_tokens: expected an array", where);
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& t = (*list)[i];
    std::string w = fmt::format("{}.added_tokens[{}]", where, i);
    AddedToken a;
    a.id = checked_id(json_util::field(t, "id", w), w + ".id");
    a.content = json_util::get_string(t, "content", w);
    if (a.content.empty()) fail("{}.content: empty token", w);
    a.special = json_util::get_bool(t, "special", false, w);
    a.lstrip = json_util::get_bool(t, "lstrip", false, w);
    a.rstrip = json_util::get_bool(t, "rstrip", false, w);
    a.single_word = json_util::get_bool(t, "single_word", false, w);
    normalized.push_back(json_util::get_bool(t, "normalized", !a.special, w));
    out.push_back(std::move(a));
  }
  return out;
}

// Fills the vocabulary from model.vocab and the added tokens.
std::shared_ptr<Vocab> build_vocab(const Json& model, const std::vector<AddedToken>& added,
                                   const std::string& where) {
  const Json& vocab = json_util::field(model, "vocab", where);
  if (!vocab.is_object()) fail("{}.vocab: expected an object of token -> id", where);
  int32_t max_id = -1;
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    max_id = std::max(max_id, checked_id(it.value(), where + ".vocab[\"" + it.key() + "\"]"));
  }
  for (const AddedToken& a : added) max_id = std::max(max_id, a.id);
  size_t n = static_cast<size_t>(max_id) + 1;
  if (n > (vocab.size() + added.size() + 1) * 4) {
    fail("{}.vocab: token ids up to {} for only {} tokens", where, max_id, vocab.size());
  }
  auto v = std::make_shared<Vocab>(n);
  std::vector<bool> seen(n, false);
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    int32_t id = it.value().get<int32_t>();
    if (seen[id]) fail("{}.vocab: id {} is given to two tokens", where, id);
    seen[id] = true;
    v->set(id, it.key(), TokenKind::kNormal);
  }
  for (const AddedToken& a : added) {
    bool in_model = seen[a.id] && v->text(a.id) == a.content;
    v->set(a.id, a.content, a.special ? TokenKind::kControl : TokenKind::kUserDefined, 0.0f,
           in_model);
  }
  return v;
}

// Reads model.merges (["a b", ...] or [["a", "b"], ...]) into the merge table.
MergeTable parse_merges(const Json& model, const Vocab& vocab, const std::string& prefix,
                        const std::string& where) {
  MergeTable merges;
  const Json* list = json_util::optional_field(model, "merges", where);
  if (list == nullptr) return merges;
  if (!list->is_array()) fail("{}.merges: expected an array", where);
  merges.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& m = (*list)[i];
    std::string a, b;
    if (m.is_string()) {
      const std::string& s = m.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        fail("{}.merges[{}]: expected two tokens separated by one space, found '{}'", where, i, s);
      }
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].get<std::string>();
      b = m[1].get<std::string>();
    } else {
      fail("{}.merges[{}]: expected \"a b\" or [\"a\", \"b\"]", where, i);
    }
    std::string merged = a;
    merged +=
        (!prefix.empty() && b.compare(0, prefix.size(), prefix) == 0) ? b.substr(prefix.size()) : b;
    int32_t ia = vocab.find_model(a), ib = vocab.find_model(b), im = vocab.find_model(merged);
    if (ia < 0 || ib < 0 || im < 0) {
      fail("{}.merges[{}]: '{}' is not in the vocabulary", where, i,
           ia < 0 ? a : (ib < 0 ? b : merged));
    }
    merges.add(ia, ib, static_cast<int32_t>(i), im);
  }
  return merges;
}

void load_model(const Json& model, const std::vector<AddedToken>& added, TokenizerParts& parts,
                const std::string& where) {
  std::string type = json_util::opt_string(model, "type", where).value_or("");
  if (type.empty() && model.contains("merges")) type = "BPE";
  if (type != "BPE") {
    fail("{}.type: unsupported model type '{}' (owl supports BPE)", where,
         type.empty() ? "(none)" : type);
  }
  parts.vocab = build_vocab(model, added, where);
  Vocab& v = *parts.vocab;
  BpeOptions o;
  o.byte_fallback = json_util::get_bool(model, "byte_fallback", false, where);
  o.fuse_unk = json_util::get_bool(model, "fuse_unk", false, where);
  o.ignore_merges = json_util::get_bool(model, "ignore_merges", false, where);
  o.continuing_subword_prefix =
      json_util::opt_string(model, "continuing_subword_prefix", where).value_or("");
  o.end_of_word_suffix = json_util::opt_string(model, "end_of_word_suffix", where).value_or("");
  v.build_index();
  if (auto unk = json_util::opt_string(model, "unk_token", where)) {
    o.unk_id = v.find(*unk);
    if (o.unk_id >= 0) v.set_kind(o.unk_id, TokenKind::kUnknown);
  }
  if (o.byte_fallback) {
    char buf[8];
    for (int b = 0; b < 256; ++b) {
      std::snprintf(buf, sizeof(buf), "<0x%02X>", b);
      int32_t id = v.find_model(buf);
      if (id >= 0) v.set_kind(id, TokenKind::kByte);
    }
  }
  MergeTable merges = parse_merges(model, v, o.continuing_subword_prefix, where);
  parts.description =
      fmt::format("BPE{}, {} tokens, {} merges", o.byte_fallback ? " (byte fallback)" : "",
                  v.size(), merges.size());
  parts.model = std::make_unique<BpeModel>(parts.vocab, std::move(merges), std::move(o));
}

// Post-processor: the ids put before and after the text when add_special is set.
void parse_post(const Json& j, const Vocab& vocab, const std::string& where,
                std::vector<int32_t>& prefix, std::vector<int32_t>& suffix) {
  if (j.is_null()) return;
  std::string type = json_util::type_of(j, where);
  std::vector<int32_t> pre, post;
  if (type == "Sequence") {
    const Json& list = json_util::field(j, "processors", where);
    if (!list.is_array()) fail("{}.processors: expected an array", where);
    for (size_t i = 0; i < list.size(); ++i) {
      parse_post(list[i], vocab, fmt::format("{}.processors[{}]", where, i), prefix, suffix);
    }
    return;
  } else if (type == "ByteLevel") {
    return;  // only adjusts offsets
  } else if (type == "TemplateProcessing") {
    const Json& single = json_util::field(j, "single", where);
    const Json& specials = json_util::field(j, "special_tokens", where);
    if (!single.is_array()) fail("{}.single: expected an array", where);
    bool after = false;
    for (size_t i = 0; i < single.size(); ++i) {
      std::string w = fmt::format("{}.single[{}]", where, i);
      if (const Json* seq = json_util::optional_field(single[i], "Sequence", w)) {
        (void)seq;
        after = true;
        continue;
      }
      const Json& tok = json_util::field(single[i], "SpecialToken", w);
      std::string name = json_util::get_string(tok, "id", w + ".SpecialToken");
      const Json& entry = json_util::field(specials, name.c_str(), where + ".special_tokens");
      const Json& ids = json_util::field(entry, "ids", where + ".special_tokens." + name);
      if (!ids.is_array()) fail("{}.special_tokens.{}.ids: expected an array", where, name);
      for (const Json& id : ids) {
        (after ? post : pre).push_back(checked_id(id, where + ".special_tokens." + name));
      }
    }
  } else if (type == "RobertaProcessing" || type == "BertProcessing") {
    auto id_of = [&](const char* key) {
      const Json& p = json_util::field(j, key, where);
      if (!p.is_array() || p.size() != 2) fail("{}.{}: expected [token, id]", where, key);
      return checked_id(p[1], where + "." + key);
    };
    pre.push_back(id_of("cls"));
    post.push_back(id_of("sep"));
  } else {
    fail("{}: unsupported post-processor type '{}'", where, type);
  }
  for (const auto* list : {&pre, &post}) {
    for (int32_t id : *list) {
      if (!vocab.valid(id)) fail("{}: token id {} is not in the vocabulary", where, id);
    }
  }
  // A later processor wraps what the earlier ones produced.
  prefix.insert(prefix.begin(), pre.begin(), pre.end());
  suffix.insert(suffix.end(), post.begin(), post.end());
}

// A special token named in tokenizer_config.json: a string or {"content": ...}.
int32_t config_token(const Json& cfg, const char* key, const Vocab& vocab,
                     const std::string& where) {
  const Json* v = json_util::optional_field(cfg, key, where);
  if (v == nullptr) return -1;
  std::string text;
  if (v->is_string()) {
    text = v->get<std::string>();
  } else if (v->is_object()) {
    text = json_util::get_string(*v, "content", where + "." + key);
  } else {
    fail("{}.{}: expected a string or an object with \"content\"", where, key);
  }
  return vocab.find(text);
}

// transformers' LlamaTokenizerFast (and the Gemma, CodeLlama and Cohere variants)
// update_post_processor(): BOS / EOS around the text as add_bos_token / add_eos_token say.
void python_post_processor(const Json& cfg, const std::string& where, TokenizerParts& parts) {
  std::string cls = json_util::opt_string(cfg, "tokenizer_class", where).value_or("");
  if (cls.size() > 4 && cls.compare(cls.size() - 4, 4, "Fast") == 0) cls.resize(cls.size() - 4);
  if (cls != "LlamaTokenizer" && cls != "GemmaTokenizer" && cls != "CodeLlamaTokenizer" &&
      cls != "CohereTokenizer") {
    return;
  }
  bool bos = json_util::get_bool(cfg, "add_bos_token", true, where);
  bool eos = json_util::get_bool(cfg, "add_eos_token", false, where);
  parts.prefix.clear();
  parts.suffix.clear();
  if (bos && parts.bos >= 0) parts.prefix.push_back(parts.bos);
  if (eos && parts.eos >= 0) parts.suffix.push_back(parts.eos);
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer_json(const std::string& path,
                                               const std::string& config_path,
                                               const TokenizerOptions& options) {
  Json root = parse_json_file(path);
  const std::string where = path;
  if (!root.is_object()) fail("{}: expected a JSON object at the top level", path);
  TokenizerParts parts;
  std::vector<bool> normalized;
  std::vector<AddedToken> added = parse_added(root, where, normalized);
  load_model(json_util::field(root, "model", where), added, parts, where + ": model");
  const Json null;
  auto section = [&](const char* key) -> const Json& {
    const Json* v = json_util::optional_field(root, key, where);
    return v ? *v : null;
  };
  parts.normalizer = Normalizer::from_json(section("normalizer"), where + ": normalizer");
  parts.pre_tokenizer =
      PreTokenizer::from_json(section("pre_tokenizer"), where + ": pre_tokenizer");
  parts.decoder = Decoder::from_json(section("decoder"), where + ": decoder");
  parse_post(section("post_processor"), *parts.vocab, where + ": post_processor", parts.prefix,
             parts.suffix);

  std::vector<AddedToken> raw, norm;
  parts.special.assign(parts.vocab->size(), false);
  for (size_t i = 0; i < added.size(); ++i) {
    parts.special[added[i].id] = added[i].special;
    if (!normalized[i]) {
      raw.push_back(added[i]);
    } else {
      // Normalized tokens are matched after normalization, by their normalized content.
      AddedToken t = added[i];
      t.content = parts.normalizer.apply(t.content);
      if (!t.content.empty()) norm.push_back(std::move(t));
    }
  }
  parts.added.build(std::move(raw));
  parts.added_normalized.build(std::move(norm));

  if (!parts.prefix.empty()) parts.bos = parts.prefix.front();
  if (!parts.suffix.empty()) parts.eos = parts.suffix.back();
  if (!config_path.empty()) {
    Json cfg = parse_json_file(config_path);
    if (!cfg.is_object()) fail("{}: expected a JSON object at the top level", config_path);
    int32_t bos = config_token(cfg, "bos_token", *parts.vocab, config_path);
    int32_t eos = config_token(cfg, "eos_token", *parts.vocab, config_path);
    if (bos >= 0) parts.bos = bos;
    if (eos >= 0) parts.eos = eos;
    parts.clean_up_spaces =
        json_util::get_bool(cfg, "clean_up_tokenization_spaces", false, config_path);
    if (options.python_post_processor) python_post_processor(cfg, config_path, parts);
  }
  parts.end_of_generation = find_end_of_generation(*parts.vocab, parts.eos);
  parts.description = fmt::format("tokenizer.json {} ({})", parts.description,
                                  std::filesystem::path(path).filename().string());
  return std::make_unique<PipelineTokenizer>(std::move(parts));
}

}  // namespace owl
