// Hostile templates and inputs: every one must end in a TemplateError or owl::Error (never a
// crash, a hang, or another exception type), including randomly mutated real chat templates.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "template/chat_template.h"

namespace owl::tmpl {
namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

ErrorKind kind_of_render(const std::string& source, const nlohmann::ordered_json& vars = {},
                         RenderOptions opts = {}) {
  try {
    render(source, vars, opts);  // (a null `vars` means no variables; no copy of deep input)
  } catch (const TemplateError& e) {
    return e.kind();
  }
  ADD_FAILURE() << "rendered without error: " << source.substr(0, 80);
  return ErrorKind::kRaise;
}

TEST(LimitsTest, DeepNestingIsASyntaxError) {
  EXPECT_EQ(kind_of_render("{{ " + repeat("(", 5000) + "1" + repeat(")", 5000) + " }}"),
            ErrorKind::kSyntax);
  EXPECT_EQ(kind_of_render("{{ " + repeat("1 + ", 5000) + "1 }}"), ErrorKind::kSyntax);
  EXPECT_EQ(kind_of_render("{{ x" + repeat(".a", 5000) + " }}"), ErrorKind::kSyntax);
  EXPECT_EQ(kind_of_render("{{ x" + repeat("|trim", 5000) + " }}"), ErrorKind::kSyntax);
  EXPECT_EQ(kind_of_render(repeat("{% if true %}", 5000) + "x" + repeat("{% endif %}", 5000)),
            ErrorKind::kSyntax);
  EXPECT_EQ(kind_of_render("{{ " + repeat("[", 5000) + repeat("]", 5000) + " }}"),
            ErrorKind::kSyntax);
  EXPECT_EQ(kind_of_render("{{ " + repeat("not ", 5000) + "1 }}"), ErrorKind::kSyntax);
}

TEST(LimitsTest, RealisticNestingStillWorks) {
  EXPECT_EQ(render("{{ " + repeat("(", 40) + "1" + repeat(")", 40) + " }}", {}), "1");
  EXPECT_EQ(render("{{ " + repeat("1 + ", 100) + "1 }}", nlohmann::ordered_json::object()), "101");
}

TEST(LimitsTest, UnboundedRecursionStops) {
  EXPECT_EQ(kind_of_render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
            ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}"),
            ErrorKind::kLimit);
}

TEST(LimitsTest, EndlessWorkHitsTheStepBudget) {
  RenderOptions opts;
  opts.limits.max_steps = 200'000;
  EXPECT_EQ(kind_of_render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                           "{% endfor %}",
                           {}, opts),
            ErrorKind::kLimit);
}

TEST(LimitsTest, HugeOutputAndValuesStop) {
  EXPECT_EQ(kind_of_render("{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}"),
            ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{{ 'ab' * 9223372036854775807 }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{{ [1] * 9223372036854775807 }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{% set ns = namespace(l=[1]) %}{% for i in range(100) %}"
                           "{% set ns.l = ns.l + ns.l %}{% endfor %}"),
            ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{% set ns = namespace(s='x') %}{% for i in range(100) %}"
                           "{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
            ErrorKind::kLimit);
  // Shared sub-lists: printed, serialised or compared, the value is exponentially large.
  const std::string dag =
      "{% set ns = namespace(l=[1], m=[1]) %}{% for i in range(70) %}"
      "{% set ns.l = [ns.l, ns.l] %}{% set ns.m = [ns.m, ns.m] %}{% endfor %}";
  EXPECT_EQ(kind_of_render(dag + "{{ ns.l }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render(dag + "{{ ns.l|tojson }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render(dag + "{{ ns.l == ns.m }}"), ErrorKind::kLimit);
  EXPECT_EQ(render(dag + "{{ ns.l == ns.l }}", nlohmann::ordered_json::object()), "True");
  EXPECT_EQ(kind_of_render("{{ 'x'|indent(9223372036854775807) }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{{ 'x'|center(9223372036854775807) }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{{ '{:>9999999999}'.format(1) }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{{ [1]|batch(9223372036854775807, 0)|list }}"), ErrorKind::kLimit);
  EXPECT_EQ(kind_of_render("{{ ('x' * 1000000)|replace('', 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                           "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy') }}"),
            ErrorKind::kLimit);
}

TEST(LimitsTest, DeeplyNestedInputIsRejected) {
  const std::string deep = repeat("[", 100000) + repeat("]", 100000);
  const auto vars = nlohmann::ordered_json::parse("{\"x\": " + deep + "}");
  EXPECT_EQ(kind_of_render("{{ x|length }}", vars), ErrorKind::kLimit);
  const auto request =
      nlohmann::ordered_json::parse("{\"messages\": [], \"extra\": {\"x\": " + deep + "}}");
  EXPECT_THROW(render_request("x", request, std::nullopt, std::nullopt), Error);
}

TEST(LimitsTest, BigIntegersDoNotOverflowSilently) {
  EXPECT_EQ(kind_of_render("{{ 9223372036854775807 + 1 }}"), ErrorKind::kType);
  EXPECT_EQ(kind_of_render("{{ 3 ** 100 }}"), ErrorKind::kType);
  EXPECT_EQ(kind_of_render("{{ 99999999999999999999 }}"), ErrorKind::kSyntax);
  EXPECT_EQ(render("{{ [1, 2]['999999999999999999999999'] is defined }}",
                   nlohmann::ordered_json::object()),
            "False");
}

// Random edits of the real templates: whatever the parser and interpreter make of them, the
// result is output or a TemplateError.
TEST(LimitsTest, MutatedRealTemplatesNeverCrash) {
  const std::string shared = OWL_SHARED_DIR;
  const char* sources[] = {
      "qwen3/tokenizer_config.json",
      "gpt-oss/chat_template.openai-gpt-oss-120b.jinja",
      "mistral-v0.3/chat_template.v3_spm.jinja",
      "llama-3.1/chat_template.meta-llama-Llama-3.1-8B-Instruct.jinja",
      "glm-4.6/chat_template.GLM-4.6.jinja",
      "kimi-k2/chat_template.Kimi-K2-Instruct.jinja",
  };
  const auto request = nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "hi"},
                 {"role": "assistant", "content": "", "tool_calls": [{"id": "abcdefghi",
                  "type": "function", "function": {"name": "f", "arguments": {"a": [1, "x"]}}}]},
                 {"role": "tool", "tool_call_id": "abcdefghi", "content": "ok"}],
    "tools": [{"type": "function", "function": {"name": "f", "description": "d",
               "parameters": {"type": "object", "properties": {"a": {"type": "array"}}}}}],
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})");
  const char* tokens[] = {"{%",     "%}",    "{{",  "}}",   "{#",        "#}",     "(",
                          ")",      "[",     "]",   "'",    "\"",        "|",      "-",
                          "endfor", "endif", "if ", " is ", "loop",      "~",      "*",
                          "**",     ",",     ".",   "\\",   "recursive", "macro ", "{% endmacro %}",
                          " not ",  "%"};
  std::mt19937 rng(20260314);
  int rendered = 0, errors = 0;
  for (const char* src : sources) {
    const std::string base = ChatTemplateSource::load(shared + "/tokenizers/" + src).select(true);
    for (int trial = 0; trial < 60; ++trial) {
      std::string t = base;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits && !t.empty(); ++e) {
        const size_t pos = rng() % t.size();
        switch (rng() % 3) {
          case 0:
            t.erase(pos, 1 + rng() % 12);
            break;
          case 1:
            t.insert(pos, tokens[rng() % std::size(tokens)]);
            break;
          default:
            t.insert(pos, t.substr(rng() % t.size(), 1 + rng() % 40));
            break;
        }
      }
      try {
        render_request(t, request, std::nullopt, std::nullopt);
        ++rendered;
      } catch (const TemplateError&) {
        ++errors;
      }
    }
  }
  std::printf("[mutations] %d rendered, %d raised TemplateError\n", rendered, errors);
  EXPECT_GT(errors, 0);
}

}  // namespace
}  // namespace owl::tmpl
