// gpt-oss "harmony" output: a sequence of messages, each a header ending in <|message|> and a
// body ending in <|end|> (or <|call|> / <|return|>, which are end-of-generation tokens and so
// usually absent from the text). Headers carry <|channel|>analysis|commentary|final and, for
// tool calls, a recipient "to=functions.NAME" (before or after the channel) and an optional
// <|constrain|>json. The first header may lack <|start|>assistant: the prompt ends with it.
#include "server/parsers/families.h"
#include "server/parsers/text_scan.h"

namespace owl::server {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kMessage = "<|message|>";
constexpr std::string_view kBodyEnds[] = {"<|end|>", "<|call|>", "<|return|>", "<|start|>"};

class HarmonyParser final : public OutputParser {
 public:
  explicit HarmonyParser(const ParserOptions& options)
      : ids_(options.id_seed, options.short_ids), parse_tools_(options.parse_tools) {}
  MessageDelta feed(std::string_view text) override {
    buffer_.append(text);
    return process(false);
  }
  MessageDelta finish() override { return process(true); }

 private:
  void read_header(std::string_view header) {
    channel_.clear();
    recipient_.clear();
    header_text_ = std::string(header);
    const size_t ch = header.find("<|channel|>");
    if (ch != std::string_view::npos) {
      std::string_view rest = header.substr(ch + 11);
      size_t n = 0;
      while (n < rest.size() && !is_space(rest[n]) && rest[n] != '<') ++n;
      channel_ = std::string(rest.substr(0, n));
    }
    const size_t to = header.find("to=");
    if (to != std::string_view::npos) {
      std::string_view rest = header.substr(to + 3);
      size_t n = 0;
      while (n < rest.size() && !is_space(rest[n]) && rest[n] != '<') ++n;
      recipient_ = std::string(rest.substr(0, n));
    }
  }
  bool is_call() const { return parse_tools_ && !recipient_.empty() && recipient_ != "assistant"; }

  void deliver(std::string_view text, MessageDelta& out) {
    if (is_call()) {
      body_.append(text);
    } else if (channel_ == "analysis") {
      out.reasoning.append(text);
    } else {
      out.content.append(text);  // final, or a commentary preamble addressed to the user
    }
  }

  void close_body(MessageDelta& out) {
    if (!is_call()) return;
    std::string name = recipient_.rfind("functions.", 0) == 0 ? recipient_.substr(10) : recipient_;
    const auto j = parse_json(trim(body_));
    const auto text = j ? arguments_text(*j) : std::nullopt;
    if (text && !name.empty()) {
      out.tool_calls.push_back({ids_.next(), name, *text});
    } else {
      out.content += body_;  // malformed arguments: shown as text rather than lost
    }
    body_.clear();
  }

  MessageDelta process(bool final) {
    MessageDelta out;
    for (;;) {
      if (!in_body_) {
        const size_t m = buffer_.find(kMessage);
        if (m == std::string::npos) {
          // No header yet. At the end, leftover text that is not a header start is content.
          if (final) {
            const std::string_view rest = trim(buffer_);
            if (!rest.empty() && rest.find("<|channel|>") == std::string_view::npos)
              out.content += rest;
            buffer_.clear();
          }
          break;
        }
        read_header(std::string_view(buffer_).substr(0, m));
        buffer_.erase(0, m + kMessage.size());
        in_body_ = true;
        continue;
      }
      size_t end = std::string::npos, end_len = 0;
      for (std::string_view marker : kBodyEnds) {
        const size_t p = buffer_.find(marker);
        if (p < end) {
          end = p;
          end_len = marker == "<|start|>" ? 0 : marker.size();  // <|start|> begins the next header
        }
      }
      if (end != std::string::npos) {
        deliver(std::string_view(buffer_).substr(0, end), out);
        close_body(out);
        buffer_.erase(0, end + end_len);
        in_body_ = false;
        continue;
      }
      size_t hold = 0;
      if (!final) {
        for (std::string_view marker : kBodyEnds)
          hold = std::max(hold, partial_marker_suffix(buffer_, marker));
      }
      deliver(std::string_view(buffer_).substr(0, buffer_.size() - hold), out);
      buffer_.erase(0, buffer_.size() - hold);
      if (final) {
        close_body(out);
        in_body_ = false;
      }
      break;
    }
    return out;
  }

  ToolIdGenerator ids_;
  bool parse_tools_;
  std::string buffer_;
  bool in_body_ = false;
  std::string header_text_, channel_, recipient_;
  std::string body_;  // arguments of a call being read
};

}  // namespace

std::unique_ptr<OutputParser> make_harmony_parser(const ParserOptions& options) {
  return std::make_unique<HarmonyParser>(options);
}

uint32_t add_harmony_tool_call(constrain::Grammar& g, const std::vector<ToolSpec>& tools) {
  using constrain::Grammar;
  // An optional analysis message first (the model reasons before calling), then the call.
  const uint32_t analysis = g.sequence({Grammar::ref(g.literal("<|channel|>analysis<|message|>")),
                                        Grammar::ref(g.text_until("<|end|>")),
                                        Grammar::ref(g.literal("<|start|>assistant"))});
  std::vector<Grammar::Seq> alts;
  for (const ToolSpec& t : tools) {
    const std::string head =
        "<|channel|>commentary to=functions." + t.name + " <|constrain|>json<|message|>";
    alts.push_back({Grammar::ref(g.literal(head)), tool_arguments(g, t)});
  }
  return g.sequence(
      {Grammar::ref(g.optional(Grammar::ref(analysis))), Grammar::ref(g.choice(std::move(alts)))});
}

uint32_t add_harmony_final_prefix(constrain::Grammar& g) {
  using constrain::Grammar;
  const uint32_t analysis = g.sequence({Grammar::ref(g.literal("<|channel|>analysis<|message|>")),
                                        Grammar::ref(g.text_until("<|end|>")),
                                        Grammar::ref(g.literal("<|start|>assistant"))});
  return g.sequence({Grammar::ref(g.optional(Grammar::ref(analysis))),
                     Grammar::ref(g.literal("<|channel|>final<|message|>"))});
}

}  // namespace owl::server
