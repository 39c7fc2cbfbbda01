// Family detection on the real chat templates in shared/tokenizers, and forced tool calls: for
// every family, random sampling under the tool-call grammar must produce output that the same
// family's parser reads back as exactly one call whose arguments satisfy the tool's schema.
#include "server/parsers/chat_format.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "constrain/constrained_sampler.h"
#include "constrain/grammar_constraint.h"
#include "constrain/schema_validator.h"
#include "constrain/test_vocab.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string template_of(const std::string& rel) {
  const std::string path = std::string(OWL_SHARED_DIR) + "/tokenizers/" + rel;
  if (rel.size() > 5 && rel.substr(rel.size() - 5) == ".json") {
    return json::parse(read_file(path))["chat_template"].get<std::string>();
  }
  return read_file(path);
}

TEST(ChatFormat, DetectsFamiliesFromRealTemplates) {
  struct Case {
    const char* file;
    const char* family;
    bool think;
  };
  const Case cases[] = {
      {"qwen3/tokenizer_config.json", "hermes", true},
      {"qwen2.5/chat_template.Qwen-Qwen2.5-7B-Instruct.jinja", "hermes", false},
      {"llama-3.1/chat_template.meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3", false},
      {"llama-3.2/chat_template.meta-llama-Llama-3.2-3B-Instruct.jinja", "llama3", false},
      {"deepseek-v3/tokenizer_config.json", "deepseek-v3", false},
      {"deepseek-v3.1/chat_template.deepseek-ai-DeepSeek-V3.1.jinja", "deepseek-v3.1", true},
      {"gpt-oss/chat_template.openai-gpt-oss-120b.jinja", "harmony", false},
      {"glm-4.6/chat_template.GLM-4.6.jinja", "glm", true},
      {"minimax-m2/chat_template.MiniMax-M2.jinja", "minimax-m2", true},
      {"kimi-k2/chat_template.Kimi-K2-Instruct.jinja", "kimi-k2", false},
      {"mistral-v0.3/chat_template.v3_spm.jinja", "mistral", false},
      {"gemma-3/tokenizer_config.json", "generic", false},
  };
  for (const Case& c : cases) {
    const ChatFormat f = ChatFormat::detect(template_of(c.file));
    EXPECT_EQ(f.name(), c.family) << c.file;
    EXPECT_EQ(f.think_tags, c.think) << c.file;
  }
}

TEST(ChatFormat, ReasoningOpenFromPromptTail) {
  ChatFormat f;
  f.family = Family::kHermes;
  f.think_tags = true;
  EXPECT_TRUE(f.reasoning_open("<|im_start|>assistant\n<think>\n"));
  EXPECT_FALSE(f.reasoning_open("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
  EXPECT_FALSE(f.reasoning_open("<|im_start|>assistant\n"));
  EXPECT_EQ(f.thinking("<|im_start|>assistant\n<think>\n"), ChatFormat::Thinking::kOpen);
  EXPECT_EQ(f.thinking("<|im_start|>assistant\n<think>\n\n</think>\n\n"), ChatFormat::Thinking::kOff);
  EXPECT_EQ(f.thinking("<|im_start|>assistant\n"), ChatFormat::Thinking::kAllowed);
}

const json kTools = json::parse(R"([
  {"name": "get_weather", "parameters": {"type": "object", "properties": {
      "location": {"type": "string", "maxLength": 30},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
      "days": {"type": "integer"}}, "required": ["location"]}},
  {"name": "get_time", "parameters": {"type": "object", "properties": {}}}])");

struct ForcedCase {
  Family family;
  bool think;
  bool reasoning_open;
  bool v3_style;
};

TEST(ChatFormat, ForcedToolCallsParseBackValid) {
  const ForcedCase cases[] = {
      {Family::kHermes, false, false, false},  {Family::kHermes, true, false, false},
      {Family::kHermes, true, true, false},    {Family::kLlama3, false, false, false},
      {Family::kMistral, false, false, false}, {Family::kDeepSeek, false, false, true},
      {Family::kDeepSeek, true, true, false},  {Family::kGlm, true, false, false},
      {Family::kMiniMax, true, true, false},   {Family::kKimi, false, false, false},
      {Family::kHarmony, false, false, false}, {Family::kGeneric, false, false, false},
  };
  std::vector<ToolSpec> tools;
  ParserOptions options;
  for (const json& t : kTools) {
    tools.push_back({t["name"], t["parameters"]});
    options.tool_parameters[t["name"]] = t["parameters"];
  }
  auto vocab = owl::testing::fragment_vocab();
  const std::vector<std::string> closers = {"</think>", "<|end|>", "</arg_value>", "</parameter>"};
  std::mt19937 rng(77);
  for (const ForcedCase& c : cases) {
    ChatFormat f;
    f.family = c.family;
    f.think_tags = c.think;
    f.deepseek_v3_style = c.v3_style;
    constrain::Grammar g;
    g.set_root(f.add_tool_call(
        g, tools, c.reasoning_open ? ChatFormat::Thinking::kOpen : ChatFormat::Thinking::kAllowed));
    auto matcher = std::make_shared<constrain::Matcher>(g, vocab);
    options.reasoning_open = c.reasoning_open;
    for (int i = 0; i < 25; ++i) {
      constrain::GrammarConstraint constraint(matcher);
      const auto run = owl::testing::sample_constrained(constraint, *vocab, rng, 30, 3000, closers);
      ASSERT_TRUE(run.completed) << f.name() << " steps " << run.steps << " dead " << run.dead_end
                                 << ": "
                                 << json(run.text).dump(-1, 32, true,
                                                        json::error_handler_t::replace);
      auto parser = f.make_parser(options);
      const ParsedMessage m = parse_all(*parser, run.text);
      ASSERT_EQ(m.tool_calls.size(), 1u)
          << f.name() << ": " << json(run.text).dump(-1, 32, true, json::error_handler_t::replace)
          << "\ncontent: " << m.content;
      const ToolCall& call = m.tool_calls[0];
      const json* schema = nullptr;
      for (const json& t : kTools) {
        if (t["name"] == call.name) schema = &t["parameters"];
      }
      ASSERT_NE(schema, nullptr) << call.name;
      const json args = json::parse(call.arguments);
      EXPECT_EQ(owl::testing::validate_schema(args, *schema, *schema), "")
          << f.name() << ": " << run.text;
      EXPECT_TRUE(trim(m.content).empty()) << f.name() << ": " << run.text;
    }
  }
}

}  // namespace
}  // namespace owl::server
