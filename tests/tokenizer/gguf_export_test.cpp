// Carrying a tokenizer.json into GGUF metadata (owl synth --tokenizer): the GGUF vocabulary
// tokenizes every string of the Hugging Face reference vectors exactly as the tokenizer.json
// does, with the pre-tokenizer name llama.cpp uses for that family.
#include "tokenizer/gguf_export.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "formats/hf_folder.h"
#include "tokenizer/tokenizer.h"

namespace owl {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* dir;
  const char* pre;
  int32_t vocab;  // the model's embedding rows (>= the tokenizer's size)
};

class GgufExport : public ::testing::TestWithParam<Case> {};

TEST_P(GgufExport, SameIdsAsTokenizerJson) {
  const Case& c = GetParam();
  const std::string dir = std::string(OWL_SHARED_DIR) + "/tokenizers/" + c.dir;
  gguf::Writer w;
  w.set("general.architecture", gguf::Value::string("owl-vocab-test"));
  write_gguf_tokenizer(dir, c.vocab, w);
  const std::string out = (fs::temp_directory_path() / (std::string("owl_vocab_") + std::to_string(::getpid()) + "_" + c.dir + ".gguf")).string();
  w.write(out);
  auto file = gguf::File::open(out);
  EXPECT_EQ(file->get_string("tokenizer.ggml.pre").value_or(""), c.pre);
  auto from_gguf = Tokenizer::from_gguf(*file);
  auto from_json = Tokenizer::from_path(dir);
  EXPECT_EQ(from_gguf->n_vocab(), c.vocab);
  std::ifstream in(std::string(OWL_SHARED_DIR) + "/vectors/tokenizers/" + c.dir + ".jsonl");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    const std::string text = j.at("text").get<std::string>();
    EXPECT_EQ(from_gguf->encode(text, false), from_json->encode(text, false)) << text;
    const auto ids = j.at("ids").get<std::vector<int32_t>>();
    if (!j.at("add_special_tokens").get<bool>()) {
      EXPECT_EQ(from_gguf->encode(text, false), ids) << text;
      EXPECT_EQ(from_gguf->decode(ids), j.at("decoded_raw").get<std::string>());
    }
    ++n;
  }
  EXPECT_GT(n, 50);
  // The template travels when the folder has one where transformers looks for it.
  const nlohmann::json config = read_json_file(dir + "/tokenizer_config.json");
  const bool has_template = config.contains("chat_template") || fs::exists(dir + "/chat_template.jinja");
  EXPECT_EQ(!file->get_string("tokenizer.chat_template").value_or("").empty(), has_template);
  fs::remove(out);
}

INSTANTIATE_TEST_SUITE_P(All, GgufExport,
                         ::testing::Values(Case{"qwen3", "qwen2", 151936}, Case{"llama-3.1", "llama-bpe", 128256},
                                           Case{"gpt-oss", "gpt-4o", 201088},
                                           Case{"deepseek-v3", "deepseek-v3", 129280}),
                         [](const auto& info) {
                           std::string s = info.param.dir;
                           for (char& ch : s) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return s;
                         });

}  // namespace
}  // namespace owl
