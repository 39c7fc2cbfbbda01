// Message accumulation and tool-call ids.
#include "server/parsers/output_parser.h"

namespace owl::server {

void MessageDelta::append(MessageDelta&& other) {
  content += other.content;
  reasoning += other.reasoning;
  for (auto& c : other.tool_calls) tool_calls.push_back(std::move(c));
}

void ParsedMessage::add(const MessageDelta& d) {
  content += d.content;
  reasoning += d.reasoning;
  tool_calls.insert(tool_calls.end(), d.tool_calls.begin(), d.tool_calls.end());
}

std::string ToolIdGenerator::next() {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id = short_ ? "" : "call_";
  const int n = short_ ? 9 : 24;
  for (int i = 0; i < n; ++i) {
    // splitmix64 step
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    id.push_back(kAlphabet[z % (sizeof(kAlphabet) - 1)]);
  }
  return id;
}

ParsedMessage parse_all(OutputParser& parser, std::string_view text) {
  ParsedMessage m;
  m.add(parser.feed(text));
  m.add(parser.finish());
  return m;
}

}  // namespace owl::server
