// GGUF byte-level BPE vocabularies converted from real tokenizer.json files the way llama.cpp's
// convert_hf_to_gguf.py does it (tokens by id, added tokens as control / user-defined, merges
// as "a b", the tokenizer.ggml.pre name), then checked against the transformers.js vectors:
// the GGUF path with its pre-tokenizer presets must give the Hugging Face ids.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "test_data.h"
#include "tokenizer/loaders.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

using gguf::Value;
using gguf::ValueType;
using test::shared_dir;

std::string convert(const std::string& name, const std::string& pre) {
  auto j = nlohmann::json::parse(
      read_maybe_gzip(shared_dir() + "/tokenizers/" + name + "/tokenizer.json.gz"));
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  auto put = [&](size_t id, const std::string& text, int32_t type) {
    if (id >= tokens.size()) {
      for (size_t i = tokens.size(); i <= id; ++i)
        tokens.push_back("[PAD" + std::to_string(i) + "]");
      types.resize(id + 1, 5);
    }
    tokens[id] = text;
    types[id] = type;
  };
  for (auto it = j["model"]["vocab"].begin(); it != j["model"]["vocab"].end(); ++it) {
    put(it.value().get<size_t>(), it.key(), 1);
  }
  for (const auto& a : j["added_tokens"]) {
    put(a["id"].get<size_t>(), a["content"].get<std::string>(), a["special"].get<bool>() ? 3 : 4);
  }
  std::vector<Value> tv, ty, mv;
  for (size_t i = 0; i < tokens.size(); ++i) {
    tv.push_back(Value::string(tokens[i]));
    ty.push_back(Value::i32(types[i]));
  }
  for (const auto& m : j["model"]["merges"]) {
    mv.push_back(Value::string(m.is_string()
                                   ? m.get<std::string>()
                                   : m[0].get<std::string>() + " " + m[1].get<std::string>()));
  }
  gguf::Writer w;
  w.set("general.architecture", Value::string("test"));
  w.set("tokenizer.ggml.model", Value::string("gpt2"));
  w.set("tokenizer.ggml.pre", Value::string(pre));
  w.set("tokenizer.ggml.tokens", Value::array(ValueType::kString, std::move(tv)));
  w.set("tokenizer.ggml.token_type", Value::array(ValueType::kI32, std::move(ty)));
  w.set("tokenizer.ggml.merges", Value::array(ValueType::kString, std::move(mv)));
  std::string path = ::testing::TempDir() + "owl_converted_" + name + ".gguf";
  w.write(path);
  return path;
}

void check(const std::string& name, const std::string& pre) {
  std::string path = convert(name, pre);
  auto tok = Tokenizer::from_path(path);
  int ids_ok = 0, dec_ok = 0, n = 0;
  for (const auto& line :
       test::read_lines(shared_dir() + "/vectors/tokenizers/" + name + ".jsonl")) {
    auto j = nlohmann::json::parse(line);
    if (j["add_special_tokens"].get<bool>()) continue;  // BOS policy comes from other GGUF keys
    ++n;
    std::string text = j["text"];
    auto want = j["ids"].get<std::vector<int32_t>>();
    auto got = tok->encode(text, false);
    EXPECT_EQ(test::ids_to_string(got), test::ids_to_string(want)) << name << ": " << text;
    ids_ok += got == want;
    std::string dec = tok->decode(want);
    EXPECT_EQ(dec, j["decoded_raw"].get<std::string>()) << name << ": " << text;
    dec_ok += dec == j["decoded_raw"].get<std::string>();
  }
  std::printf("[ gguf-cvt ] %s as GGUF (pre '%s'): ids %d/%d, decoded_raw %d/%d\n", name.c_str(),
              pre.c_str(), ids_ok, n, dec_ok, n);
  std::remove(path.c_str());
}

TEST(GgufFromJson, Qwen3AsQwen2) { check("qwen3", "qwen2"); }
TEST(GgufFromJson, Llama31AsLlamaBpe) { check("llama-3.1", "llama-bpe"); }
TEST(GgufFromJson, GptOssAsGpt4o) { check("gpt-oss", "gpt-4o"); }
TEST(GgufFromJson, DeepseekV3) { check("deepseek-v3", "deepseek-v3"); }

}  // namespace
}  // namespace owl
