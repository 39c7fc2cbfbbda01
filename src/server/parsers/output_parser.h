// Turns generated text into OpenAI assistant-message fields (content, reasoning_content,
// tool_calls), incrementally: feed() returns what may be streamed now and holds back text that
// might be the start of a marker; finish() flushes. Streaming with any split of the text gives
// the same final message as parsing it at once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace owl::server {

struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text of an object
  bool operator==(const ToolCall&) const = default;
};

// One increment of the message. Tool calls are released whole, once their syntax closed and
// their arguments parsed (a malformed call turns into content instead, never a crash).
struct MessageDelta {
  std::string content;
  std::string reasoning;
  std::vector<ToolCall> tool_calls;

  bool empty() const { return content.empty() && reasoning.empty() && tool_calls.empty(); }
  void append(MessageDelta&& other);
};

struct ParsedMessage {
  std::string content;
  std::string reasoning;
  std::vector<ToolCall> tool_calls;
  void add(const MessageDelta& d);
  bool operator==(const ParsedMessage&) const = default;
};

struct ParserOptions {
  // The rendered prompt ends inside an opened reasoning block (e.g. "...<think>\n").
  bool reasoning_open = false;
  // Tool name -> its JSON-schema parameters (XML-style formats use it to type argument values).
  std::map<std::string, nlohmann::ordered_json> tool_parameters;
  bool parse_tools = true;  // false (tool_choice "none"): tool-call syntax stays content
  bool short_ids = false;  // 9-character alphanumeric tool-call ids (Mistral's templates need them)
  uint64_t id_seed = 0;
};

class OutputParser {
 public:
  virtual ~OutputParser() = default;
  virtual MessageDelta feed(std::string_view text) = 0;
  virtual MessageDelta finish() = 0;
};

// Generates tool-call ids ("call_" + 24 characters, or 9 characters with short_ids).
class ToolIdGenerator {
 public:
  ToolIdGenerator(uint64_t seed, bool short_ids)
      : state_(seed * 2654435761u + 1), short_(short_ids) {}
  std::string next();

 private:
  uint64_t state_;
  bool short_;
};

// Feeds `text` in one piece and finishes: the non-streaming result.
ParsedMessage parse_all(OutputParser& parser, std::string_view text);

}  // namespace owl::server
