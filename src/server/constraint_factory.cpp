// Grammar selection per request and the compiled-grammar cache.
#include "server/constraint_factory.h"

#include "base/error.h"
#include "constrain/grammar_constraint.h"
#include "constrain/json_schema.h"
#include "server/api/api_error.h"
#include "server/parsers/text_scan.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {

using constrain::Grammar;

namespace {
constexpr size_t kCacheSize = 32;
}

std::shared_ptr<const constrain::TokenVocab> ConstraintFactory::vocab() {
  std::call_once(vocab_once_,
                 [this] { vocab_ = constrain::TokenVocab::from_tokenizer(tokenizer_); });
  return vocab_;
}

int64_t ConstraintFactory::thinking_budget(const ChatRequest& request, const ChatFormat& format) {
  if (!format.think_tags && format.family != Family::kHarmony) return -1;
  if (request.thinking_budget) return *request.thinking_budget;
  if (format.think_tags && request.reasoning_effort) {
    // Families without a native effort setting: effort as a token budget (owl's choice).
    if (*request.reasoning_effort == "minimal") return 256;
    if (*request.reasoning_effort == "low") return 1024;
  }
  return -1;
}

std::shared_ptr<constrain::Matcher> ConstraintFactory::grammar_for(const ChatRequest& request,
                                                                   const ChatFormat& format,
                                                                   ChatFormat::Thinking thinking) {
  const bool force_tool =
      request.tool_choice == ToolChoice::kRequired || request.tool_choice == ToolChoice::kNamed;
  const bool json_out = request.response_format != ResponseFormat::kText;
  if (!force_tool && !json_out) return nullptr;
  std::vector<ToolSpec> tools;
  for (const ToolSpec& t : request.tools) {
    if (request.tool_choice != ToolChoice::kNamed || t.name == request.tool_name)
      tools.push_back(t);
  }
  Json key_json;
  key_json["format"] = format.name();
  key_json["think"] = format.think_tags;
  key_json["thinking"] = static_cast<int>(thinking);
  key_json["force_tool"] = force_tool;
  key_json["rf"] = static_cast<int>(request.response_format);
  key_json["schema"] = request.schema;
  key_json["tools"] = Json::array();
  if (force_tool || request.tool_choice == ToolChoice::kAuto) {
    for (const ToolSpec& t : tools) key_json["tools"].push_back({t.name, t.parameters});
  }
  const std::string key = dump_json(key_json);
  {
    std::lock_guard lock(mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first == key) {
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front().second;
      }
    }
  }
  Grammar g;
  uint32_t root;
  if (force_tool) {
    try {
      root = format.add_tool_call(g, tools, thinking);
    } catch (const Error& e) {
      throw ApiError(400, std::string("Invalid tool parameters schema: ") + e.what(),
                     "invalid_request_error", "tools");
    }
  } else {
    uint32_t body;
    try {
      body = request.response_format == ResponseFormat::kJsonObject
                 ? constrain::add_json_object(g)
                 : constrain::add_json_schema(g, request.schema);
    } catch (const Error& e) {
      throw ApiError(400, std::string("Invalid JSON schema: ") + e.what(), "invalid_request_error",
                     "response_format.json_schema.schema");
    }
    root = g.sequence(
        {Grammar::ref(format.add_content_prefix(g, thinking)), Grammar::ref(body)});
    if (!tools.empty() && request.tool_choice == ToolChoice::kAuto) {
      // The model may answer in JSON or call a tool.
      try {
        root = g.choice(
            {{Grammar::ref(root)}, {Grammar::ref(format.add_tool_call(g, tools, thinking))}});
      } catch (const Error& e) {
        throw ApiError(400, std::string("Invalid tool parameters schema: ") + e.what(),
                       "invalid_request_error", "tools");
      }
    }
  }
  g.set_root(root);
  auto matcher = std::make_shared<constrain::Matcher>(g, vocab());
  const std::string param = force_tool ? "tools" : "response_format.json_schema.schema";
  bool empty = false;
  try {
    empty = matcher->start().id < 0;
  } catch (const Error& e) {
    throw ApiError(400, std::string("The schema cannot be used for generation: ") + e.what(), "invalid_request_error", param);
  }
  if (empty) throw ApiError(400, "The schema admits no JSON value.", "invalid_request_error", param);
  std::lock_guard lock(mutex_);
  cache_.emplace_front(key, matcher);
  if (cache_.size() > kCacheSize) cache_.pop_back();
  return matcher;
}

std::unique_ptr<TokenConstraint> ConstraintFactory::for_chat(const ChatRequest& request,
                                                             const ChatFormat& format,
                                                             ChatFormat::Thinking thinking) {
  const bool reasoning_open = thinking == ChatFormat::Thinking::kOpen;
  std::unique_ptr<TokenConstraint> inner;
  if (auto matcher = grammar_for(request, format, thinking)) {
    inner = std::make_unique<constrain::GrammarConstraint>(std::move(matcher));
    // Compute the first mask here, on the request's thread: a cold mask walks the whole
    // vocabulary trie, and the engine thread would otherwise stall every batched sequence.
    std::vector<uint8_t> warm(static_cast<size_t>(vocab()->size()), 1);
    inner->mask(warm);
  }
  const int64_t budget = thinking_budget(request, format);
  if (budget < 0) return inner;
  constrain::ReasoningBudget::Options o;
  o.budget = static_cast<int32_t>(std::min<int64_t>(budget, INT32_MAX));
  if (format.family == Family::kHarmony) {
    o.open_text = "<|channel|>analysis<|message|>";
    o.close_text = "<|end|>";
    const bool force_tool =
        request.tool_choice == ToolChoice::kRequired || request.tool_choice == ToolChoice::kNamed;
    o.forced_close =
        tokenizer_.encode(force_tool ? "<|end|><|start|>assistant"
                                     : "<|end|><|start|>assistant<|channel|>final<|message|>",
                          false, true);
  } else {
    o.open_text = reasoning_open ? "" : "<think>";
    o.close_text = "</think>";
    o.forced_close = tokenizer_.encode("\n</think>\n\n", false, true);
  }
  return std::make_unique<constrain::ReasoningBudget>(std::move(o), vocab(), std::move(inner));
}

}  // namespace owl::server
