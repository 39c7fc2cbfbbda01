// End to end with a real tokenizer and chat template: a small random-weight Qwen3 made by
// `owl synth --tokenizer` from Qwen3's published tokenizer files, served by `owl serve`, so the
// whole path template -> tokens -> generation -> output parsing -> constrained decoding runs.
// The weights are random, so the text is noise; what is checked is what must hold regardless:
// the prompt the server tokenizes is the one the chat template renders, forced tool calls parse
// and follow their schema, json_schema output parses and validates, streaming deltas add up.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "e2e_process.h"

namespace owl::testing {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kTokenizerDir = std::string(OWL_SHARED_DIR) + "/tokenizers/qwen3";

// Qwen3's published layout (head_dim 128 is not hidden/heads, tied embeddings, QK norm) at a
// size that synthesizes and runs in seconds; the vocabulary is the real one.
const char* kConfig = R"({
  "architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
  "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
  "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64,
  "max_position_embeddings": 4096, "rms_norm_eps": 1e-06, "rope_theta": 1000000,
  "tie_word_embeddings": true, "vocab_size": 151936,
  "bos_token_id": 151643, "eos_token_id": 151645, "torch_dtype": "bfloat16"
})";

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

const Json kWeatherTool = Json::parse(R"({"type": "function", "function": {
  "name": "get_weather", "description": "Current weather in a city",
  "parameters": {"type": "object", "properties": {
    "city": {"type": "string", "maxLength": 24},
    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
   "required": ["city", "unit"], "additionalProperties": false}}})");

class Qwen3E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("owl_e2e_qwen3_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    write_text(*dir_ / "config.json", kConfig);
    model_ = (*dir_ / "qwen3-tiny.gguf").string();
    std::string out;
    const std::string synth = std::string(OWL_BIN) + " synth --config " + (*dir_ / "config.json").string() +
                              " --tokenizer " + kTokenizerDir + " --type q8_0 --out " + model_ + " 2>&1";
    if (run(synth, out) != 0) {
      error_ = "owl synth failed: " + out;
      return;
    }
    server_ = new ServeProcess();
    if (!server_->start({OWL_BIN, "serve", model_, "--alias", "qwen3-tiny", "--parallel", "4", "--ctx", "2048",
                         "-t", "2", "--port", "0"})) {
      error_ = "owl serve did not start";
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(error_.empty()) << error_; }

  static Json post(const std::string& path, const Json& body) {
    const fs::path req = *dir_ / "request.json";
    write_text(req, body.dump());
    std::string out;
    const std::string cmd = "curl -s -H 'Content-Type: application/json' --data-binary @" + req.string() +
                            " http://127.0.0.1:" + std::to_string(server_->port()) + path;
    EXPECT_EQ(run(cmd, out), 0) << cmd;
    return Json::parse(out, nullptr, false);
  }
  static std::string post_raw(const std::string& path, const Json& body) {
    const fs::path req = *dir_ / "request.json";
    write_text(req, body.dump());
    std::string out;
    run("curl -s -N -H 'Content-Type: application/json' --data-binary @" + req.string() + " http://127.0.0.1:" +
            std::to_string(server_->port()) + path,
        out);
    return out;
  }

  static fs::path* dir_;
  static std::string model_;
  static std::string error_;
  static ServeProcess* server_;
};
fs::path* Qwen3E2E::dir_ = nullptr;
std::string Qwen3E2E::model_;
std::string Qwen3E2E::error_;
ServeProcess* Qwen3E2E::server_ = nullptr;

// The number of tokens the server charged for the prompt equals the token count of the prompt
// `owl template` renders for the same messages (checked against Jinja2 elsewhere) as `owl tokenize`
// encodes it: the server applies the model's own chat template, special tokens included.
TEST_F(Qwen3E2E, PromptIsTheRenderedChatTemplate) {
  const Json messages = Json::parse(R"([{"role": "system", "content": "You are terse."},
    {"role": "user", "content": "What is the capital of France? Answer in one word."}])");
  const Json resp = post("/v1/chat/completions", {{"model", "qwen3-tiny"}, {"messages", messages},
                                                   {"max_tokens", 4}, {"temperature", 0}});
  ASSERT_TRUE(resp.is_object() && resp.contains("usage")) << resp.dump();
  const fs::path req = *dir_ / "case.json";
  write_text(req, Json{{"messages", messages}, {"tools", nullptr}, {"add_generation_prompt", true}}.dump());
  std::string prompt, ids;
  ASSERT_EQ(run(std::string(OWL_BIN) + " template " + model_ + " --request " + req.string(), prompt), 0) << prompt;
  EXPECT_NE(prompt.find("<|im_start|>user\nWhat is the capital of France?"), std::string::npos) << prompt;
  write_text(*dir_ / "prompt.txt", prompt);
  ASSERT_EQ(run(std::string(OWL_BIN) + " tokenize " + model_ + " --file " + (*dir_ / "prompt.txt").string(), ids), 0);
  std::istringstream in(ids);
  int n = 0;
  for (std::string id; in >> id;) ++n;
  EXPECT_GT(n, 20);
  EXPECT_EQ(resp["usage"]["prompt_tokens"].get<int>(), n) << prompt;
  EXPECT_EQ(resp["usage"]["completion_tokens"].get<int>(), 4);
  EXPECT_EQ(resp["choices"][0]["finish_reason"], "length");
}

void expect_weather_arguments(const std::string& arguments) {
  const Json args = Json::parse(arguments, nullptr, false);
  ASSERT_TRUE(args.is_object()) << arguments;
  ASSERT_TRUE(args.contains("city") && args["city"].is_string()) << arguments;
  EXPECT_LE(args["city"].get<std::string>().size(), 24u * 4) << arguments;  // characters, UTF-8
  ASSERT_TRUE(args.contains("unit")) << arguments;
  EXPECT_TRUE(args["unit"] == "celsius" || args["unit"] == "fahrenheit") << arguments;
  EXPECT_EQ(args.size(), 2u) << arguments;
}

// tool_choice "required" with random weights: only constrained decoding can make this parse.
TEST_F(Qwen3E2E, RequiredToolCallFollowsTheSchema) {
  for (int seed = 1; seed <= 3; ++seed) {
    const Json resp = post("/v1/chat/completions",
                           {{"model", "qwen3-tiny"},
                            {"messages", {{{"role", "user"}, {"content", "Weather in Paris?"}}}},
                            {"tools", {kWeatherTool}}, {"tool_choice", "required"}, {"seed", seed},
                            {"temperature", 1.0}, {"max_tokens", 200},
                            {"chat_template_kwargs", {{"enable_thinking", false}}}});
    ASSERT_TRUE(resp.contains("choices")) << resp.dump();
    const Json& choice = resp["choices"][0];
    EXPECT_EQ(choice["finish_reason"], "tool_calls") << resp.dump();
    ASSERT_TRUE(choice["message"].contains("tool_calls")) << resp.dump();
    const Json& call = choice["message"]["tool_calls"][0];
    EXPECT_EQ(call["type"], "function");
    EXPECT_EQ(call["function"]["name"], "get_weather");
    expect_weather_arguments(call["function"]["arguments"].get<std::string>());
  }
}

TEST_F(Qwen3E2E, NamedToolCallStreamsDeltasThatAddUp) {
  const std::string sse = post_raw(
      "/v1/chat/completions",
      {{"model", "qwen3-tiny"}, {"messages", {{{"role", "user"}, {"content", "Weather in Oslo?"}}}},
       {"tools", {kWeatherTool}}, {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_weather"}}}}},
       {"stream", true}, {"seed", 7}, {"max_tokens", 200}, {"chat_template_kwargs", {{"enable_thinking", false}}}});
  std::istringstream in(sse);
  std::string line, arguments, name, finish;
  bool done = false;
  while (std::getline(in, line)) {
    if (line.rfind("data: ", 0) != 0) continue;
    if (line == "data: [DONE]") {
      done = true;
      continue;
    }
    const Json chunk = Json::parse(line.substr(6), nullptr, false);
    ASSERT_TRUE(chunk.is_object()) << line;
    const Json& choice = chunk["choices"][0];
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
    if (!choice["delta"].contains("tool_calls")) continue;
    for (const Json& tc : choice["delta"]["tool_calls"]) {
      EXPECT_EQ(tc["index"], 0);
      if (tc.contains("function") && tc["function"].contains("name")) name += tc["function"]["name"].get<std::string>();
      if (tc.contains("function") && tc["function"].contains("arguments")) {
        arguments += tc["function"]["arguments"].get<std::string>();
      }
    }
  }
  EXPECT_TRUE(done) << sse;
  EXPECT_EQ(finish, "tool_calls") << sse;
  EXPECT_EQ(name, "get_weather") << sse;
  expect_weather_arguments(arguments);
}

TEST_F(Qwen3E2E, JsonSchemaOutputParsesAndValidates) {
  const Json schema = Json::parse(R"({"type": "object", "properties": {
      "name": {"type": "string", "maxLength": 16},
      "age": {"type": "integer", "minimum": 0, "maximum": 150},
      "tags": {"type": "array", "items": {"type": "boolean"}, "maxItems": 3}},
    "required": ["name", "age", "tags"], "additionalProperties": false})");
  for (int seed = 1; seed <= 3; ++seed) {
    const Json resp = post("/v1/chat/completions",
                           {{"model", "qwen3-tiny"},
                            {"messages", {{{"role", "user"}, {"content", "Describe a person as JSON."}}}},
                            {"response_format", {{"type", "json_schema"},
                                                 {"json_schema", {{"name", "person"}, {"schema", schema}}}}},
                            {"seed", seed}, {"temperature", 1.0}, {"max_tokens", 300},
                            {"chat_template_kwargs", {{"enable_thinking", false}}}});
    ASSERT_TRUE(resp.contains("choices")) << resp.dump();
    EXPECT_EQ(resp["choices"][0]["finish_reason"], "stop") << resp.dump();
    const Json out = Json::parse(resp["choices"][0]["message"]["content"].get<std::string>(), nullptr, false);
    ASSERT_TRUE(out.is_object()) << resp.dump();
    EXPECT_EQ(out.size(), 3u) << out.dump();
    ASSERT_TRUE(out["name"].is_string()) << out.dump();
    ASSERT_TRUE(out["age"].is_number_integer()) << out.dump();
    EXPECT_GE(out["age"].get<int>(), 0);
    EXPECT_LE(out["age"].get<int>(), 150);
    ASSERT_TRUE(out["tags"].is_array()) << out.dump();
    EXPECT_LE(out["tags"].size(), 3u);
    for (const Json& t : out["tags"]) EXPECT_TRUE(t.is_boolean()) << out.dump();
  }
}

}  // namespace
}  // namespace owl::testing
