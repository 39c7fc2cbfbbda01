// Loading chat templates like transformers (config string / named list, .jinja, folders) and the
// `owl template` command body: variables passed, special-token overrides, exit codes.
#include "template/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace owl::tmpl {
namespace {

namespace fs = std::filesystem;

class ChatTemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("owl_chat_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(ChatTemplateTest, ConfigWithStringTemplateAndAddedTokens) {
  const std::string cfg = write("tokenizer_config.json", R"({
    "bos_token": {"__type": "AddedToken", "content": "<B>", "lstrip": false},
    "eos_token": "<E>", "chat_template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"})");
  const auto src = ChatTemplateSource::load(cfg);
  EXPECT_EQ(src.bos_token, "<B>");
  EXPECT_EQ(src.eos_token, "<E>");
  const auto req =
      nlohmann::ordered_json::parse(R"({"messages": [{"role": "user", "content": "x"}]})");
  EXPECT_EQ(render_request(src.select(false), req, src.bos_token, src.eos_token), "<B>x<E>");
}

TEST_F(ChatTemplateTest, NamedTemplatesPickToolUseWhenToolsArePassed) {
  const std::string cfg = write("tokenizer_config.json", R"({"chat_template": [
      {"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"},
      {"name": "rag", "template": "R"}]})");
  const auto src = ChatTemplateSource::load(cfg);
  EXPECT_EQ(src.select(false), "D");
  EXPECT_EQ(src.select(true), "T");
  EXPECT_EQ(src.select(false, "rag"), "R");
  EXPECT_THROW(src.select(false, "nope"), Error);
  const auto no_default = ChatTemplateSource::from_tokenizer_config(
      nlohmann::ordered_json::parse(R"({"chat_template": [{"name": "x", "template": "X"}]})"),
      "cfg");
  EXPECT_THROW(no_default.select(false), Error);
}

TEST_F(ChatTemplateTest, FolderPrefersChatTemplateJinjaAndReadsExtras) {
  write("m/tokenizer_config.json", R"({"eos_token": "<E>", "chat_template": "from config"})");
  write("m/chat_template.jinja", "from jinja file\n");
  write("m/additional_chat_templates/tool_use.jinja", "tools!");
  const auto src = ChatTemplateSource::load((dir_ / "m").string());
  EXPECT_EQ(src.select(false), "from jinja file\n");
  EXPECT_EQ(src.select(true), "tools!");
  EXPECT_EQ(src.eos_token, "<E>");
  EXPECT_FALSE(src.bos_token.has_value());
}

TEST_F(ChatTemplateTest, ChatTemplateJinjaClobbersNamedConfigTemplates) {
  write("n/tokenizer_config.json", R"({"chat_template": [{"name": "default", "template": "D"},
                                                         {"name": "tool_use", "template": "T"}]})");
  write("n/chat_template.jinja", "J");
  const auto src = ChatTemplateSource::load((dir_ / "n").string());
  EXPECT_EQ(src.select(false), "J");
  EXPECT_EQ(src.select(true), "J");
}

TEST_F(ChatTemplateTest, JinjaFileTakesSpecialTokensFromNeighbouringConfig) {
  write("j/tokenizer_config.json", R"({"bos_token": "<s>", "eos_token": null})");
  const auto src =
      ChatTemplateSource::load(write("j/t.jinja", "{{ bos_token }}|{{ eos_token is defined }}"));
  const auto req = nlohmann::ordered_json::parse(R"({"messages": []})");
  EXPECT_EQ(render_request(src.select(false), req, src.bos_token, src.eos_token), "<s>|False");
}

TEST_F(ChatTemplateTest, RequestTokensOverrideAndNullUndefines) {
  const std::string t =
      "[{{ bos_token }}][{{ eos_token is defined }}][{{ tools }}][{{ documents }}]"
      "[{{ add_generation_prompt }}][{{ flag }}]";
  auto req = nlohmann::ordered_json::parse(
      R"({"messages": [], "bos_token": "<X>", "eos_token": null, "extra": {"flag": 7}})");
  EXPECT_EQ(render_request(t, req, "<s>", "</s>"), "[<X>][False][None][None][False][7]");
  req =
      nlohmann::ordered_json::parse(R"({"messages": [], "tools": [], "add_generation_prompt": true,
                                          "extra": {"bos_token": "<override>"}})");
  EXPECT_EQ(render_request(t, req, "<s>", "</s>"), "[<override>][True][[]][None][True][]");
}

TEST_F(ChatTemplateTest, BadInputsAreClearErrors) {
  EXPECT_THROW(ChatTemplateSource::load((dir_ / "missing.jinja").string()), Error);
  EXPECT_THROW(ChatTemplateSource::load(write("bad.json", "{not json")), Error);
  EXPECT_THROW(ChatTemplateSource::load(write("nt.json", R"({"eos_token": "x"})")), Error);
  EXPECT_THROW(ChatTemplateSource::load(write("bad.jinja", std::string("ok \xff\xfe", 5))), Error);
  const auto no_messages = nlohmann::ordered_json::parse(R"({"tools": null})");
  EXPECT_THROW(render_request("x", no_messages, std::nullopt, std::nullopt), Error);
  try {
    ChatTemplateSource::load(write("bad2.json", "[1, 2"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad2.json"), std::string::npos) << e.what();
  }
}

TEST_F(ChatTemplateTest, CommandPrintsPromptExactly) {
  const std::string tmpl =
      write("c.jinja", "{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}");
  const std::string req = write("r.json", R"({"messages": [{"role": "user", "content": "hé"}]})");
  ::testing::internal::CaptureStdout();
  const int code = run_template_command(tmpl, req);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(code, 0);
  EXPECT_EQ(out, "<user>hé\n");
}

TEST_F(ChatTemplateTest, CommandExitCodes) {
  const std::string raising = write("raise.jinja", "{{ raise_exception('no system role') }}");
  const std::string req = write("r.json", R"({"messages": []})");
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_template_command(raising, req), 3);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("no system role"), std::string::npos) << err;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_template_command(write("syntax.jinja", "{% if %}"), req), 3);
  ::testing::internal::GetCapturedStderr();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run_template_command(raising, (dir_ / "no_request.json").string()), 2);
  ::testing::internal::GetCapturedStderr();
}

TEST_F(ChatTemplateTest, StrftimeUsesRequestClock) {
  const auto req =
      nlohmann::ordered_json::parse(R"({"messages": [], "now": "2024-02-29T23:59:58"})");
  EXPECT_EQ(render_request("{{ strftime_now('%Y-%m-%d %H:%M:%S %a %b %j') }}", req, std::nullopt,
                           std::nullopt),
            "2024-02-29 23:59:58 Thu Feb 060");
}

}  // namespace
}  // namespace owl::tmpl
