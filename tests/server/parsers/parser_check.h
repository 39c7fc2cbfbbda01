// Checks an output parser on a recorded model output: the one-shot result must equal the
// expected message, and streaming the same text split at random byte positions (and byte by
// byte) must give exactly the same message.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "server/parsers/chat_format.h"

namespace owl::server {

inline std::string describe(const ParsedMessage& m) {
  std::string s = "content=[" + m.content + "] reasoning=[" + m.reasoning + "] calls=";
  for (const auto& c : m.tool_calls) s += "{" + c.id + " " + c.name + " " + c.arguments + "}";
  return s;
}

// Expected ids left empty are not compared (they are generated).
inline void expect_message(const ParsedMessage& got, const ParsedMessage& want,
                           const std::string& what) {
  EXPECT_EQ(got.content, want.content) << what << "\n" << describe(got);
  EXPECT_EQ(got.reasoning, want.reasoning) << what << "\n" << describe(got);
  ASSERT_EQ(got.tool_calls.size(), want.tool_calls.size()) << what << "\n" << describe(got);
  for (size_t i = 0; i < got.tool_calls.size(); ++i) {
    EXPECT_EQ(got.tool_calls[i].name, want.tool_calls[i].name) << what;
    EXPECT_EQ(got.tool_calls[i].arguments, want.tool_calls[i].arguments) << what;
    if (!want.tool_calls[i].id.empty()) {
      EXPECT_EQ(got.tool_calls[i].id, want.tool_calls[i].id) << what;
    }
    EXPECT_FALSE(got.tool_calls[i].id.empty()) << what;
  }
}

inline ParsedMessage parse_stream(const ChatFormat& format, const ParserOptions& options,
                                  const std::string& text, const std::vector<size_t>& cuts) {
  auto parser = format.make_parser(options);
  ParsedMessage m;
  size_t prev = 0;
  for (size_t cut : cuts) {
    m.add(parser->feed(std::string_view(text).substr(prev, cut - prev)));
    prev = cut;
  }
  m.add(parser->feed(std::string_view(text).substr(prev)));
  m.add(parser->finish());
  return m;
}

inline void check_output(const ChatFormat& format, const ParserOptions& options,
                         const std::string& text, const ParsedMessage& want) {
  auto parser = format.make_parser(options);
  const ParsedMessage once = parse_all(*parser, text);
  expect_message(once, want, "one-shot: " + text);
  std::vector<size_t> every;
  for (size_t i = 1; i < text.size(); ++i) every.push_back(i);
  EXPECT_EQ(parse_stream(format, options, text, every), once) << "byte by byte: " << text;
  std::mt19937 rng(static_cast<uint32_t>(text.size()));
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < text.size(); ++i) {
      if (rng() % 5 == 0) cuts.push_back(i);
    }
    ASSERT_EQ(parse_stream(format, options, text, cuts), once) << "random split: " << text;
  }
}

inline ChatFormat format_of(Family family, bool think) {
  ChatFormat f;
  f.family = family;
  f.think_tags = think;
  return f;
}

inline ParsedMessage msg(std::string content, std::string reasoning = "",
                         std::vector<ToolCall> calls = {}) {
  return ParsedMessage{std::move(content), std::move(reasoning), std::move(calls)};
}

}  // namespace owl::server
