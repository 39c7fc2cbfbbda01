// Opens a model for `owl eval`: the loader, a thread pool and a BatchEngine owned together.
#include "eval/engine_backend.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/thread_pool.h"
#include "model/loader.h"
#include "runtime/batch_engine.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace owl::eval {

namespace {

// An Engine that owns its model and threads; the batching loop runs on a background thread.
class LoadedEngine : public Engine {
 public:
  LoadedEngine(std::unique_ptr<Model> model, const EngineOptions& options, int n_threads)
      : model_(std::move(model)), pool_(n_threads), engine_(*model_, options, pool_) {
    engine_.start();
  }
  ~LoadedEngine() override { engine_.stop(); }

  uint64_t submit(GenerationRequest request) override { return engine_.submit(std::move(request)); }
  void cancel(uint64_t id) override { engine_.cancel(id); }
  EngineStats stats() const override { return engine_.stats(); }
  const Tokenizer& tokenizer() const override { return engine_.tokenizer(); }
  int32_t context_length() const override { return engine_.context_length(); }
  std::string chat_template() const override { return engine_.chat_template(); }
  std::string model_name() const override { return engine_.model_name(); }

 private:
  std::unique_ptr<Model> model_;
  ThreadPool pool_;
  BatchEngine engine_;
};

}  // namespace

EvalBackend model_eval_backend() {
  EvalBackend backend;
  backend.open_engine = [](const EvalBackend::EngineRequest& req) -> std::unique_ptr<Engine> {
    std::unique_ptr<Model> model = load_model(req.model_path);
    EngineOptions eo;
    eo.n_slots = std::max(1, req.max_parallel);
    const int32_t model_ctx = model->config().context_length;
    eo.slot_context = req.context > 0 ? req.context
                      : model_ctx > 0 ? std::min(model_ctx, req.max_tokens + 3072)
                                      : req.max_tokens + 4096;
    eo.max_queue = std::max(eo.max_queue, 2 * eo.n_slots);
    OWL_CHECK(req.kv_type == "f32" || req.kv_type == "f16", "--kv-type {}: expected f32 or f16",
              req.kv_type);
    eo.kv_type = req.kv_type == "f16" ? DType::kF16 : DType::kF32;
    const int threads = req.n_threads > 0 ? req.n_threads : default_thread_count();
    return std::make_unique<LoadedEngine>(std::move(model), eo, threads);
  };
  backend.render_chat = [](const Engine& engine, const std::vector<ChatMessage>& messages) {
    const std::string source = engine.chat_template();
    if (source.empty()) fail("the model has no chat template; use --template raw");
    nlohmann::ordered_json request;
    request["messages"] = nlohmann::ordered_json::array();
    for (const auto& m : messages) {
      request["messages"].push_back({{"role", m.role}, {"content", m.content}});
    }
    request["add_generation_prompt"] = true;
    const Tokenizer& tok = engine.tokenizer();
    auto special = [&](int32_t id) -> std::optional<std::string> {
      if (id < 0) return std::nullopt;
      return std::string(tok.token_text(id));
    };
    try {
      return tmpl::render_request(source, request, special(tok.bos_id()), special(tok.eos_id()));
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail("chat template: {}", e.what());
    }
  };
  return backend;
}

}  // namespace owl::eval
