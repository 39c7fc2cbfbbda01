// Renders every chat-template vector in ../shared/vectors/templates (Python Jinja2 3.1.6 in
// transformers' environment) and requires byte-identical output or the recorded error.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "template/chat_template.h"

namespace owl::tmpl {
namespace {

const std::string kShared = OWL_SHARED_DIR;

struct VectorFile {
  const char* vectors;  // vectors/templates/<name>.jsonl
  const char* source;   // template source under shared/tokenizers (README table)
};

constexpr VectorFile kFiles[] = {
    {"qwen3", "qwen3/tokenizer_config.json"},
    {"qwen2.5", "qwen2.5/chat_template.Qwen-Qwen2.5-7B-Instruct.jinja"},
    {"llama-3.1", "llama-3.1/tokenizer_config.json"},
    {"llama-3.1-instruct", "llama-3.1/chat_template.meta-llama-Llama-3.1-8B-Instruct.jinja"},
    {"llama-3.2", "llama-3.2/chat_template.meta-llama-Llama-3.2-3B-Instruct.jinja"},
    {"deepseek-v3", "deepseek-v3/tokenizer_config.json"},
    {"deepseek-v3.1", "deepseek-v3.1/chat_template.deepseek-ai-DeepSeek-V3.1.jinja"},
    {"gemma-3", "gemma-3/tokenizer_config.json"},
    {"gpt-oss", "gpt-oss/chat_template.openai-gpt-oss-120b.jinja"},
    {"glm-4.6", "glm-4.6/chat_template.GLM-4.6.jinja"},
    {"minimax-m2", "minimax-m2/chat_template.MiniMax-M2.jinja"},
    {"kimi-k2", "kimi-k2/chat_template.Kimi-K2-Instruct.jinja"},
    {"mistral-v0.3", "mistral-v0.3/chat_template.v3_spm.jinja"},
};

ErrorKind expected_kind(const std::string& python_type) {
  if (python_type == "TemplateError") return ErrorKind::kRaise;
  if (python_type == "SecurityError") return ErrorKind::kSecurity;
  if (python_type == "UndefinedError") return ErrorKind::kUndefined;
  return ErrorKind::kType;
}

std::string first_difference(const std::string& want, const std::string& got) {
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  const size_t from = i > 40 ? i - 40 : 0;
  return "first difference at byte " + std::to_string(i) + "\n  want: ..." +
         nlohmann::json(want.substr(from, 120)).dump() + "\n  got:  ..." +
         nlohmann::json(got.substr(from, 120)).dump();
}

class VectorsTest : public ::testing::TestWithParam<VectorFile> {};

TEST_P(VectorsTest, RendersLikeJinja2) {
  const VectorFile& vf = GetParam();
  const ChatTemplateSource src = ChatTemplateSource::load(kShared + "/tokenizers/" + vf.source);
  std::ifstream in(kShared + "/vectors/templates/" + vf.vectors + ".jsonl");
  ASSERT_TRUE(in) << "missing vectors file " << vf.vectors;
  std::string line;
  int lines = 0, passed = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    const auto rec = nlohmann::ordered_json::parse(line);
    const std::string id = rec["id"].get<std::string>();
    const bool has_tools = !rec["tools"].is_null();
    const std::string& tmpl = src.select(has_tools);
    try {
      const std::string got = render_request(tmpl, rec, std::nullopt, std::nullopt);
      if (rec.contains("error")) {
        ADD_FAILURE() << vf.vectors << " " << id << ": rendered but Jinja2 raised "
                      << rec["error_type"] << ": " << rec["error"];
        continue;
      }
      const std::string want = rec["rendered"].get<std::string>();
      if (got == want) {
        ++passed;
      } else {
        ADD_FAILURE() << vf.vectors << " " << id << ": " << first_difference(want, got);
      }
    } catch (const TemplateError& e) {
      if (!rec.contains("error")) {
        ADD_FAILURE() << vf.vectors << " " << id << ": unexpected error: " << e.what();
        continue;
      }
      const std::string type = rec["error_type"].get<std::string>();
      EXPECT_EQ(e.kind(), expected_kind(type)) << vf.vectors << " " << id << ": " << e.what();
      if (type == "TemplateError") {
        EXPECT_EQ(e.message(), rec["error"].get<std::string>()) << vf.vectors << " " << id;
      }
      if (e.kind() == expected_kind(type)) ++passed;
    }
  }
  EXPECT_GT(lines, 0);
  std::printf("[vectors] %-20s %d/%d\n", vf.vectors, passed, lines);
}

INSTANTIATE_TEST_SUITE_P(Templates, VectorsTest, ::testing::ValuesIn(kFiles), [](const auto& info) {
  std::string n = info.param.vectors;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
});

}  // namespace
}  // namespace owl::tmpl
