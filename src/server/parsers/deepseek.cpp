// DeepSeek tool calls, as the V3 and V3.1 chat templates render them: a calls section of
// <｜tool▁call▁begin｜>...<｜tool▁call▁end｜> items. V3/R1 items are
// "function<｜tool▁sep｜>NAME\n```json\nARGS\n```"; V3.1 items are "NAME<｜tool▁sep｜>ARGS".
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kCallsBegin = "<｜tool▁calls▁begin｜>";
constexpr std::string_view kCallsEnd = "<｜tool▁calls▁end｜>";
constexpr std::string_view kCallBegin = "<｜tool▁call▁begin｜>";
constexpr std::string_view kCallEnd = "<｜tool▁call▁end｜>";
constexpr std::string_view kSep = "<｜tool▁sep｜>";

std::optional<ToolCall> parse_item(std::string_view item) {
  const size_t sep = item.find(kSep);
  if (sep == std::string_view::npos) return std::nullopt;
  const std::string_view left = trim(item.substr(0, sep));
  std::string_view right = item.substr(sep + kSep.size());
  std::string name;
  std::string_view args;
  const size_t fence = right.find("```json");
  if (left == "function" && fence != std::string_view::npos) {
    name = std::string(trim(right.substr(0, fence)));
    args = right.substr(fence + 7);
    const size_t close = args.rfind("```");
    if (close == std::string_view::npos) return std::nullopt;
    args = args.substr(0, close);
  } else {
    name = std::string(left);
    args = right;
  }
  const auto j = parse_json(trim(args));
  const auto text = j ? arguments_text(*j) : std::nullopt;
  if (!text || name.empty()) return std::nullopt;
  return ToolCall{"", name, *text};
}

std::optional<std::vector<ToolCall>> parse_deepseek(std::string_view body, const ParserOptions&) {
  std::vector<ToolCall> calls;
  size_t pos = 0;
  for (;;) {
    const size_t b = body.find(kCallBegin, pos);
    if (b == std::string_view::npos) break;
    if (!trim(body.substr(pos, b - pos)).empty()) return std::nullopt;
    const size_t e = body.find(kCallEnd, b);
    // The last item may lack its end marker when generation stopped right after the JSON.
    const std::string_view item =
        body.substr(b + kCallBegin.size(), e == std::string_view::npos ? std::string_view::npos
                                                                       : e - b - kCallBegin.size());
    auto c = parse_item(item);
    if (!c) return std::nullopt;
    calls.push_back(std::move(*c));
    if (e == std::string_view::npos) {
      pos = body.size();
      break;
    }
    pos = e + kCallEnd.size();
  }
  if (calls.empty() || !trim(body.substr(pos)).empty()) return std::nullopt;
  return calls;
}

}  // namespace

SectionSyntax deepseek_syntax() {
  SectionSyntax s;
  s.begin = std::string(kCallsBegin);
  s.end = std::string(kCallsEnd);
  s.parse = parse_deepseek;
  return s;
}

uint32_t add_deepseek_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools,
                                bool v3_style) {
  std::vector<constrain::Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    const std::string head = std::string(kCallsBegin) + std::string(kCallBegin) +
                             (v3_style ? "function" + std::string(kSep) + t.name + "\n```json\n"
                                       : t.name + std::string(kSep));
    const std::string tail =
        (v3_style ? "\n```" : "") + std::string(kCallEnd) + std::string(kCallsEnd);
    alts.push_back({constrain::Grammar::ref(g.literal(head)), tool_arguments(g, t),
                    constrain::Grammar::ref(g.literal(tail))});
  }
  return g.choice(std::move(alts));
}

}  // namespace owl::server
