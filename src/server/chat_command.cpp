// owl chat: an interactive conversation in the terminal through the model's chat template,
// streaming the answer (and, dimmed, the reasoning) as it is generated.
#include <chrono>
#include <iostream>

#include "base/error.h"
#include "server/commands.h"
#include "server/generation.h"
#include "server/parsers/chat_format.h"
#include "server/template_renderer.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {
namespace {

constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

}  // namespace

int run_chat_command(Engine& engine, const ChatOptions& options, std::istream& in,
                     std::ostream& out) {
  const Tokenizer& tok = engine.tokenizer();
  const std::string source = engine.chat_template();
  const ChatFormat format = ChatFormat::detect(source);
  const ChatRenderer render = options.renderer ? options.renderer : default_chat_renderer();
  TemplateTokens tokens;
  if (tok.bos_id() >= 0) tokens.bos = std::string(tok.token_text(tok.bos_id()));
  if (tok.eos_id() >= 0) tokens.eos = std::string(tok.token_text(tok.eos_id()));
  ChatRequest request;
  auto reset = [&] {
    request.messages = Json::array();
    if (!options.system.empty())
      request.messages.push_back({{"role", "system"}, {"content", options.system}});
  };
  reset();
  out << "owl chat: " << engine.model_name() << " (/reset to start over, /exit to quit)\n";
  std::string line;
  while (out << "> " << std::flush, std::getline(in, line)) {
    if (line == "/exit" || line == "/quit") break;
    if (line == "/reset") {
      reset();
      out << "(conversation cleared)\n";
      continue;
    }
    if (line.empty()) continue;
    request.messages.push_back({{"role", "user"}, {"content", line}});
    const Json vars = chat_template_vars(request, format, tokens);
    std::string prompt;
    try {
      prompt = source.empty() ? render_chatml(vars) : render(source, vars);
    } catch (const Error& e) {
      out << "error: " << e.what() << "\n";
      request.messages.erase(request.messages.end() - 1);
      continue;
    }
    ChoiceSetup setup;
    setup.prompt = tokenize_prompt(tok, prompt);
    const int64_t room = engine.context_length() - static_cast<int64_t>(setup.prompt.size());
    if (room <= 0) {
      out << "error: the conversation no longer fits the context (" << engine.context_length()
          << " tokens); /reset to start over\n";
      request.messages.erase(request.messages.end() - 1);
      continue;
    }
    setup.max_tokens = static_cast<int32_t>(
        options.max_tokens < 0 ? room : std::min<int64_t>(options.max_tokens, room));
    if (options.temperature >= 0) setup.sampling.temperature = options.temperature;
    ParserOptions po;
    po.reasoning_open = format.reasoning_open(prompt);
    po.parse_tools = false;
    auto parser = format.make_parser(po);
    auto channel = std::make_shared<GenerationChannel>();
    if (engine.submit(make_request(std::move(setup), tok, channel)) == 0) {
      out << "error: the engine is busy\n";
      request.messages.erase(request.messages.end() - 1);
      continue;
    }
    ParsedMessage answer;
    bool in_reasoning = false;
    auto show = [&](const MessageDelta& d) {
      if (!d.reasoning.empty() && options.show_reasoning) {
        if (!in_reasoning) out << kDim;
        in_reasoning = true;
        out << d.reasoning;
      }
      if (!d.content.empty()) {
        if (in_reasoning) out << kReset << "\n";
        in_reasoning = false;
        out << d.content;
      }
      out << std::flush;
      answer.add(d);
    };
    for (bool done = false; !done;) {
      for (const ChoiceEvent& e : channel->wait(std::chrono::milliseconds(100))) {
        show(parser->feed(e.text));
        if (e.finished) {
          show(parser->finish());
          done = true;
          if (e.info.reason == FinishReason::kError) out << "\nerror: " << e.info.error;
        }
      }
    }
    if (in_reasoning) out << kReset;
    out << "\n";
    request.messages.push_back({{"role", "assistant"}, {"content", answer.content}});
  }
  return 0;
}

}  // namespace owl::server
