// Every family's parser on realistic recorded outputs (written to follow each model's chat
// template), including reasoning, several calls, partial and malformed ones; each case is also
// streamed byte by byte and at random splits (see parser_check.h).
#include <gtest/gtest.h>

#include "server/parsers/parser_check.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

ToolCall call(std::string name, std::string args, std::string id = "") {
  return ToolCall{std::move(id), std::move(name), std::move(args)};
}

const ParserOptions kNoOptions;

ParserOptions open_reasoning() {
  ParserOptions o;
  o.reasoning_open = true;
  return o;
}

TEST(Qwen3Parser, PlainAnswer) {
  check_output(format_of(Family::kHermes, true), kNoOptions,
               "<think>\n\n</think>\n\nThe capital of France is Paris. 🇫🇷",
               msg("The capital of France is Paris. 🇫🇷"));
  check_output(format_of(Family::kHermes, false), kNoOptions, "Plain answer without thinking.",
               msg("Plain answer without thinking."));
}

TEST(Qwen3Parser, ThinkingThenToolCall) {
  check_output(
      format_of(Family::kHermes, true), kNoOptions,
      "<think>\nThe user wants the weather in Paris. I should call get_weather.\n</think>\n\n"
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Paris\", \"unit\": "
      "\"celsius\"}}\n</tool_call>",
      msg("", "The user wants the weather in Paris. I should call get_weather.",
          {call("get_weather", R"({"location":"Paris","unit":"celsius"})")}));
}

TEST(Qwen3Parser, ContentThenTwoCalls) {
  check_output(format_of(Family::kHermes, false), kNoOptions,
               "I'll look up both cities.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": "
               "{\"location\": \"Paris\"}}\n</tool_call>\n"
               "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": \"{\\\"location\\\": "
               "\\\"Berlin\\\"}\"}\n</tool_call>",
               msg("I'll look up both cities.", "",
                   {call("get_weather", R"({"location":"Paris"})"),
                    call("get_weather", R"({"location":"Berlin"})")}));
}

TEST(Qwen3Parser, MalformedCallIsContent) {
  const std::string bad =
      "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"location\": \"Par}\n</tool_call>";
  check_output(format_of(Family::kHermes, false), kNoOptions, bad, msg(bad));
  check_output(format_of(Family::kHermes, false), kNoOptions,
               "<tool_call>\n{\"arguments\": {}}\n</tool_call>",
               msg("<tool_call>\n{\"arguments\": {}}\n</tool_call>"));
  // Cut off by max_tokens in the middle of the call.
  check_output(format_of(Family::kHermes, false), kNoOptions,
               "Sure.\n<tool_call>\n{\"name\": \"get_w",
               msg("Sure.\n<tool_call>\n{\"name\": \"get_w"));
}

TEST(Qwen3Parser, CallWithoutClosingTagStillCounts) {
  check_output(format_of(Family::kHermes, false), kNoOptions,
               "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n",
               msg("", "", {call("get_time", "{}")}));
}

TEST(Qwen3Parser, MarkerLookalikesStayContent) {
  check_output(format_of(Family::kHermes, true), kNoOptions,
               "Use the <tool> tag, not <tool_cal; and <think is fine too.",
               msg("Use the <tool> tag, not <tool_cal; and <think is fine too."));
}

TEST(Qwen3Parser, ReasoningOpenedByPrompt) {
  check_output(format_of(Family::kHermes, true), open_reasoning(),
               "Okay, 2 + 2 = 4.\nDouble-check: yes.\n</think>\n\nThe answer is **4**.",
               msg("The answer is **4**.", "Okay, 2 + 2 = 4.\nDouble-check: yes."));
  // Stopped while still thinking (max_tokens).
  check_output(format_of(Family::kHermes, true), kNoOptions, "<think>\nA long thought that never",
               msg("", "A long thought that never"));
}

TEST(Llama3Parser, JsonCall) {
  check_output(format_of(Family::kLlama3, false), kNoOptions,
               "{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Paris\", \"unit\": "
               "\"celsius\"}}",
               msg("", "", {call("get_weather", R"({"location":"Paris","unit":"celsius"})")}));
  check_output(
      format_of(Family::kLlama3, false), kNoOptions,
      "  {\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}",
      msg("", "", {call("a", "{}"), call("b", R"({"x":1})")}));
}

TEST(Llama3Parser, PythonTagCalls) {
  check_output(format_of(Family::kLlama3, false), kNoOptions,
               "<|python_tag|>brave_search.call(query=\"weather in Paris\", count=3)",
               msg("", "", {call("brave_search", R"({"query":"weather in Paris","count":3})")}));
  check_output(
      format_of(Family::kLlama3, false), kNoOptions,
      "<|python_tag|>{\"name\": \"get_weather\", \"parameters\": {\"location\": \"Oslo\"}}",
      msg("", "", {call("get_weather", R"({"location":"Oslo"})")}));
}

TEST(Llama3Parser, JsonThatIsNotACallIsContent) {
  check_output(format_of(Family::kLlama3, false), kNoOptions, "{\"answer\": 42}",
               msg("{\"answer\": 42}"));
  check_output(format_of(Family::kLlama3, false), kNoOptions,
               "Here it is: {\"name\": \"x\", \"parameters\": {}}",
               msg("Here it is: {\"name\": \"x\", \"parameters\": {}}"));
  check_output(format_of(Family::kLlama3, false), kNoOptions,
               "{\"name\": \"get_weather\", \"parameters\": {\"loc",
               msg("{\"name\": \"get_weather\", \"parameters\": {\"loc"));
}

TEST(MistralParser, JsonListWithIds) {
  check_output(format_of(Family::kMistral, false), kNoOptions,
               "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"location\": "
               "\"Paris\"}, \"id\": \"w3x7k9a2b\"}, "
               "{\"name\": \"get_time\", \"arguments\": {}, \"id\": \"q1w2e3r4t\"}]",
               msg("", "",
                   {call("get_weather", R"({"location":"Paris"})", "w3x7k9a2b"),
                    call("get_time", "{}", "q1w2e3r4t")}));
}

TEST(MistralParser, ArgsForm) {
  ParserOptions o;
  auto p = format_of(Family::kMistral, false).make_parser(o);
  const ParsedMessage m = parse_all(*p, "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\"}");
  ASSERT_EQ(m.tool_calls.size(), 1u);
  EXPECT_EQ(m.tool_calls[0].id.size(), 9u);  // Mistral's templates require 9-character ids
  check_output(
      format_of(Family::kMistral, false), kNoOptions,
      "[TOOL_CALLS]get_weather[ARGS]{\"location\": \"Paris\"}[TOOL_CALLS]get_time[ARGS]{}",
      msg("", "", {call("get_weather", R"({"location":"Paris"})"), call("get_time", "{}")}));
}

TEST(MistralParser, TruncatedIsContent) {
  const std::string cut =
      "[TOOL_CALLS] [{\"name\": \"get_weather\", \"arguments\": {\"location\": ";
  check_output(format_of(Family::kMistral, false), kNoOptions, cut, msg(cut));
  check_output(format_of(Family::kMistral, false), kNoOptions, "Bonjour ! Il fait beau.",
               msg("Bonjour ! Il fait beau."));
}

TEST(DeepSeekParser, V3Format) {
  ChatFormat f = format_of(Family::kDeepSeek, false);
  f.deepseek_v3_style = true;
  check_output(f, kNoOptions,
               "Let me "
               "check.<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_"
               "weather\n```json\n"
               "{\"location\": \"Paris\", \"unit\": "
               "\"celsius\"}\n```<｜tool▁call▁end｜>\n<｜tool▁call▁begin｜>function"
               "<｜tool▁sep｜>get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
               msg("Let me check.", "",
                   {call("get_weather", R"({"location":"Paris","unit":"celsius"})"),
                    call("get_time", "{}")}));
}

TEST(DeepSeekParser, V31FormWithReasoning) {
  check_output(
      format_of(Family::kDeepSeek, true), open_reasoning(),
      "The user asks for Paris "
      "weather.</think><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>"
      "{\"location\": \"Paris\"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
      msg("", "The user asks for Paris weather.",
          {call("get_weather", R"({"location":"Paris"})")}));
  const std::string bad =
      "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather{\"location\": "
      "1}<｜tool▁call▁end｜><｜tool▁calls▁end｜>";
  check_output(format_of(Family::kDeepSeek, false), kNoOptions, bad, msg(bad));
}

TEST(GlmParser, XmlArgumentsTypedBySchema) {
  ParserOptions o;
  o.tool_parameters["get_weather"] = json::parse(R"({"type": "object", "properties": {
      "location": {"type": "string"}, "days": {"type": "integer"}, "zip": {"type": "string"},
      "opts": {"type": "object"}}})");
  check_output(
      format_of(Family::kGlm, true), o,
      "\n<think>Need the "
      "forecast.</think>\nChecking.\n<tool_call>get_weather\n<arg_key>location</arg_key>\n"
      "<arg_value>Paris</arg_value>\n<arg_key>days</arg_key>\n<arg_value>3</"
      "arg_value>\n<arg_key>zip</arg_key>\n"
      "<arg_value>75001</arg_value>\n<arg_key>opts</arg_key>\n<arg_value>{\"hourly\": "
      "true}</arg_value>\n</tool_call>",
      msg("Checking.", "Need the forecast.",
          {call("get_weather",
                R"({"location":"Paris","days":3,"zip":"75001","opts":{"hourly":true}})")}));
}

TEST(GlmParser, NoArgumentsAndMalformed) {
  check_output(format_of(Family::kGlm, true), kNoOptions,
               "\n<think></think>\n<tool_call>get_time\n</tool_call>",
               msg("", "", {call("get_time", "{}")}));
  const std::string bad =
      "<tool_call>get_weather\n<arg_key>location</arg_key>\n<arg_value>Paris\n</tool_call>";
  check_output(format_of(Family::kGlm, false), kNoOptions, bad, msg(bad));
}

TEST(MiniMaxParser, InvokesWithReasoningOpen) {
  ParserOptions o = open_reasoning();
  o.tool_parameters["get_weather"] = json::parse(
      R"({"properties": {"location": {"type": "string"}, "days": {"type": "integer"}}})");
  check_output(format_of(Family::kMiniMax, true), o,
               "Need to call the weather tool twice.\n</think>\n\n<minimax:tool_call>\n<invoke "
               "name=\"get_weather\">\n"
               "<parameter name=\"location\">Paris</parameter>\n<parameter "
               "name=\"days\">2</parameter>\n</invoke>\n"
               "<invoke name=\"get_weather\">\n<parameter "
               "name=\"location\">Rome</parameter>\n</invoke>\n</minimax:tool_call>",
               msg("", "Need to call the weather tool twice.",
                   {call("get_weather", R"({"location":"Paris","days":2})"),
                    call("get_weather", R"({"location":"Rome"})")}));
  const std::string bad =
      "<minimax:tool_call>\n<invoke name=\"get_weather\">\n<parameter "
      "name=\"location\">Paris\n</minimax:tool_call>";
  check_output(format_of(Family::kMiniMax, false), kNoOptions, bad, msg(bad));
}

TEST(KimiParser, SectionWithIds) {
  check_output(format_of(Family::kKimi, false), kNoOptions,
               "I'll check the "
               "weather.<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
               "<|tool_call_argument_begin|>{\"location\": "
               "\"Paris\"}<|tool_call_end|><|tool_call_begin|>functions.get_time:1"
               "<|tool_call_argument_begin|>{}<|tool_call_end|><|tool_calls_section_end|>",
               msg("I'll check the weather.", "",
                   {call("get_weather", R"({"location":"Paris"})", "functions.get_weather:0"),
                    call("get_time", "{}", "functions.get_time:1")}));
  const std::string bad =
      "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_"
      "begin|>{\"loc\"<|tool_call_end|><|tool_calls_section_end|>";
  check_output(format_of(Family::kKimi, false), kNoOptions, bad, msg(bad));
}

TEST(HarmonyParser, AnalysisThenFinal) {
  check_output(format_of(Family::kHarmony, false), kNoOptions,
               "<|channel|>analysis<|message|>User asks 2+2. Simple "
               "arithmetic.<|end|><|start|>assistant<|channel|>final"
               "<|message|>2 + 2 = 4.",
               msg("2 + 2 = 4.", "User asks 2+2. Simple arithmetic."));
}

TEST(HarmonyParser, ToolCallBothHeaderOrders) {
  check_output(format_of(Family::kHarmony, false), kNoOptions,
               "<|channel|>analysis<|message|>Need the "
               "weather.<|end|><|start|>assistant<|channel|>commentary "
               "to=functions.get_weather <|constrain|>json<|message|>{\"location\":\"Paris\"}",
               msg("", "Need the weather.", {call("get_weather", R"({"location":"Paris"})")}));
  check_output(format_of(Family::kHarmony, false), kNoOptions,
               "<|start|>assistant to=functions.search_docs<|channel|>commentary json<|message|>"
               "{\"query\": \"KV cache\", \"max_results\": 3}<|call|>",
               msg("", "", {call("search_docs", R"({"query":"KV cache","max_results":3})")}));
}

TEST(HarmonyParser, RecordedStreamFromHarmonyTests) {
  // openai/harmony's test_streamable_parser.txt (shared/tokenizers/gpt-oss/harmony-test-data),
  // up to the end of the assistant's call (what follows is the tool's reply).
  std::FILE* f = std::fopen(
      OWL_SHARED_DIR "/tokenizers/gpt-oss/harmony-test-data/test_streamable_parser.txt", "rb");
  ASSERT_NE(f, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  text = text.substr(0, text.find("<|call|>") + 8);
  const size_t a = text.find("<|message|>") + 11;
  const std::string analysis = text.substr(a, text.find("<|end|>") - a);
  check_output(
      format_of(Family::kHarmony, false), kNoOptions, text,
      msg("", analysis,
          {call("browser.search",
                R"({"query":"current US president July 2025","topn":10,"source":"news"})")}));
}

TEST(HarmonyParser, MalformedArgumentsAndPlainText) {
  check_output(
      format_of(Family::kHarmony, false), kNoOptions,
      "<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"location\": ",
      msg("{\"location\": "));
  check_output(format_of(Family::kHarmony, false), kNoOptions, "no harmony markers at all",
               msg("no harmony markers at all"));
  check_output(format_of(Family::kHarmony, false), kNoOptions,
               "<|channel|>commentary<|message|>Let me look that "
               "up.<|end|><|start|>assistant<|channel|>final<|message|>Done.",
               msg("Let me look that up.Done."));
}

TEST(Parsers, StreamingReleasesContentEarly) {
  for (Family fam : {Family::kHermes, Family::kLlama3, Family::kMistral, Family::kDeepSeek,
                     Family::kGlm, Family::kMiniMax, Family::kKimi}) {
    auto p = format_of(fam, true).make_parser(kNoOptions);
    MessageDelta d = p->feed("Hello there, this is a streamed ");
    d.append(p->feed("answer."));
    EXPECT_EQ(d.content, "Hello there, this is a streamed answer.") << static_cast<int>(fam);
  }
  auto h = format_of(Family::kHarmony, false).make_parser(kNoOptions);
  EXPECT_EQ(h->feed("<|channel|>final<|message|>Hello wor").content, "Hello wor");
}

TEST(Parsers, RandomGarbageNeverCrashes) {
  const std::vector<std::string> pieces = {"<tool_call>",
                                           "</tool_call>",
                                           "<think>",
                                           "</think>",
                                           "{",
                                           "}",
                                           "\"",
                                           "[",
                                           "]",
                                           "<|channel|>",
                                           "<|message|>",
                                           "<|end|>",
                                           "to=functions.x",
                                           "[TOOL_CALLS]",
                                           "<|python_tag|>",
                                           "<｜tool▁calls▁begin｜>",
                                           "<｜tool▁call▁begin｜>",
                                           "<｜tool▁sep｜>",
                                           "<arg_key>",
                                           "<arg_value>",
                                           "</arg_value>",
                                           "<invoke name=\"",
                                           "\">",
                                           "<parameter name=\"",
                                           "</parameter>",
                                           "</invoke>",
                                           "<minimax:tool_call>",
                                           "</minimax:tool_call>",
                                           "<|tool_calls_section_begin|>",
                                           "<|tool_call_begin|>",
                                           "<|tool_call_argument_begin|>",
                                           "a",
                                           " ",
                                           "\n",
                                           "\xe4\xb8",
                                           "\xad",
                                           ":",
                                           ",",
                                           "1"};
  std::mt19937 rng(5);
  for (Family fam : {Family::kHermes, Family::kLlama3, Family::kMistral, Family::kDeepSeek,
                     Family::kGlm, Family::kMiniMax, Family::kKimi, Family::kHarmony}) {
    for (int i = 0; i < 300; ++i) {
      std::string text;
      const int n = static_cast<int>(rng() % 30);
      for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
      const ChatFormat f = format_of(fam, fam != Family::kHarmony);
      auto p = f.make_parser(kNoOptions);
      const ParsedMessage once = parse_all(*p, text);
      std::vector<size_t> cuts;
      for (size_t c = 1; c < text.size(); ++c) {
        if (rng() % 3 == 0) cuts.push_back(c);
      }
      ASSERT_EQ(parse_stream(f, kNoOptions, text, cuts), once) << text;
    }
  }
}

}  // namespace
}  // namespace owl::server
