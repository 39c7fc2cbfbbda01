// Continuous batching: admit, build one batch, forward, sample, stream, finish.
#include "runtime/batch_engine.h"

#include <algorithm>
#include <chrono>

#include "base/error.h"

namespace owl {

double monotonic_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

BatchEngine::BatchEngine(Model& model, const EngineOptions& options, ThreadPool& pool)
    : model_(model),
      options_(options),
      pool_(pool),
      cache_(model.kv_shapes(), options.n_slots, options.slot_context, options.kv_type),
      slots_(static_cast<size_t>(options.n_slots)) {
  const size_t max_outputs = static_cast<size_t>(std::max(options.n_slots, 1));
  logits_.resize(max_outputs * static_cast<size_t>(model.config().vocab_size));
  allowed_.resize(static_cast<size_t>(model.config().vocab_size));
}

BatchEngine::~BatchEngine() { stop(); }

uint64_t BatchEngine::submit(GenerationRequest request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (static_cast<int32_t>(queue_.size()) >= options_.max_queue) return 0;
  const uint64_t id = next_id_++;
  queue_.push_back(Queued{id, std::move(request), monotonic_seconds()});
  ++requests_total_;
  wake_.notify_all();
  return id;
}

void BatchEngine::cancel(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_.insert(id);
  wake_.notify_all();
}

EngineStats BatchEngine::stats() const {
  EngineStats s;
  std::lock_guard<std::mutex> lock(mutex_);
  s.requests_total = requests_total_;
  s.requests_active = active_count_;
  s.requests_queued = static_cast<int64_t>(queue_.size());
  s.prompt_tokens_total = prompt_tokens_total_;
  s.generated_tokens_total = generated_tokens_total_;
  s.generation_tokens_per_s = recent_seconds_ > 0 ? recent_tokens_ / recent_seconds_ : 0.0;
  return s;
}

void BatchEngine::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    while (running_.load()) {
      bool worked = false;
      try {
        worked = step();
      } catch (const std::exception& e) {
        // A failing forward pass ends every running request with the error, not the server.
        for (Slot& s : slots_) {
          if (s.active) finish(s, FinishReason::kError, e.what());
        }
      }
      if (!worked) {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, std::chrono::milliseconds(50),
                       [&] { return !queue_.empty() || !cancelled_.empty() || !running_.load(); });
      }
    }
  });
}

void BatchEngine::stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool BatchEngine::collect_work(std::vector<Queued>& admitted, std::vector<Queued>& dropped,
                               std::set<uint64_t>& cancelled) {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled.swap(cancelled_);
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (cancelled.count(it->id)) {
      dropped.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  int32_t free_slots = 0;
  for (const Slot& s : slots_) free_slots += s.active ? 0 : 1;
  while (free_slots > 0 && !queue_.empty()) {
    admitted.push_back(std::move(queue_.front()));
    queue_.pop_front();
    --free_slots;
  }
  bool busy = !admitted.empty() || !dropped.empty();
  for (const Slot& s : slots_) busy = busy || s.active != nullptr;
  return busy;
}

void BatchEngine::place(Queued&& q) {
  GenerationRequest& r = q.request;
  const int32_t n_prompt = static_cast<int32_t>(r.prompt.size());
  auto reject = [&](std::string error) {
    FinishInfo info;
    info.reason = FinishReason::kError;
    info.prompt_tokens = n_prompt;
    info.error = std::move(error);
    if (r.on_finish) r.on_finish(info);
  };
  if (n_prompt == 0) return reject("the prompt is empty");
  if (n_prompt >= options_.slot_context) {
    return reject(fmt::format("the prompt has {} tokens but the context holds {} per sequence; "
                              "shorten the prompt or raise --ctx", n_prompt, options_.slot_context));
  }
  const int32_t n_vocab = model_.config().vocab_size;
  for (int32_t id : r.prompt) {
    if (id < 0 || id >= n_vocab) return reject(fmt::format("token id {} is outside the vocabulary (0..{})", id, n_vocab - 1));
  }
  // The free slot whose cached tokens share the longest prefix with this prompt.
  Slot* best = nullptr;
  size_t best_common = 0;
  for (Slot& s : slots_) {
    if (s.active) continue;
    size_t common = 0;
    while (common < s.tokens.size() && common < r.prompt.size() && s.tokens[common] == r.prompt[common]) ++common;
    if (best == nullptr || common > best_common) {
      best = &s;
      best_common = common;
    }
  }
  // At least the last prompt token is computed again: its logits give the first sample.
  best_common = std::min(best_common, r.prompt.size() - 1);
  best->tokens.resize(best_common);
  auto a = std::make_unique<Active>();
  a->id = q.id;
  a->sampler.emplace(r.sampling);
  a->n_prompt_done = static_cast<int32_t>(best_common);
  a->cached_tokens = static_cast<int32_t>(best_common);
  a->start_s = q.submitted_s;
  r.max_tokens = std::max(0, std::min(r.max_tokens, options_.slot_context - n_prompt));
  a->request = std::move(r);
  best->active = std::move(a);
  ++active_count_;
  prompt_tokens_total_ += n_prompt;
}

void BatchEngine::finish(Slot& slot, FinishReason reason, std::string error) {
  std::unique_ptr<Active> a = std::move(slot.active);
  --active_count_;
  FinishInfo info;
  info.reason = reason;
  info.prompt_tokens = static_cast<int32_t>(a->request.prompt.size());
  info.completion_tokens = a->n_generated;
  info.cached_tokens = a->cached_tokens;
  const double now = monotonic_seconds();
  info.time_to_first_token_s = a->first_token_s > 0 ? a->first_token_s - a->start_s : now - a->start_s;
  info.generation_s = a->first_token_s > 0 ? now - a->first_token_s : 0.0;
  info.error = std::move(error);
  if (a->request.on_finish) a->request.on_finish(info);
}

BatchEngine::Draw BatchEngine::draw_slot(Slot& slot, float* logits, std::vector<uint8_t>& allowed_buf) {
  Active& a = *slot.active;
  GenerationRequest& r = a.request;
  const int32_t n_vocab = model_.config().vocab_size;
  const uint8_t* allowed = nullptr;
  Draw d;
  d.done = true;
  try {
    if (r.constraint) {
      allowed_buf.assign(static_cast<size_t>(n_vocab), 1);
      r.constraint->mask(allowed_buf);
      allowed = allowed_buf.data();
    }
    d.tok = a.sampler->sample(logits, n_vocab, slot.tokens, allowed);
  } catch (const Error& e) {
    d.error = e.what();
  }
  return d;
}

void BatchEngine::commit_slot(Slot& slot, Draw& d) {
  Active& a = *slot.active;
  GenerationRequest& r = a.request;
  if (!d.error.empty()) return finish(slot, FinishReason::kError, std::move(d.error));
  SampledToken& tok = d.tok;
  if (a.first_token_s == 0) a.first_token_s = monotonic_seconds();
  const bool is_stop = (r.stop_at_end_of_generation && model_.has_tokenizer() &&
                        model_.tokenizer().is_end_of_generation(tok.id)) ||
                       std::find(r.stop_ids.begin(), r.stop_ids.end(), tok.id) != r.stop_ids.end();
  if (is_stop && !(r.constraint && !r.constraint->complete())) return finish(slot, FinishReason::kStop);
  ++a.n_generated;
  ++generated_tokens_total_;
  if (r.constraint) r.constraint->accept(tok.id);
  TokenEvent ev;
  ev.id = tok.id;
  ev.logprob = tok.logprob;
  ev.top = std::move(tok.top);
  if (r.on_token && !r.on_token(ev)) return finish(slot, FinishReason::kStop);
  if (r.constraint && r.constraint->complete()) return finish(slot, FinishReason::kStop);
  if (a.n_generated >= r.max_tokens || static_cast<int32_t>(slot.tokens.size()) + 1 >= options_.slot_context) {
    return finish(slot, FinishReason::kLength);
  }
  a.last_token = tok.id;
}

bool BatchEngine::step() {
  std::vector<Queued> admitted, dropped;
  std::set<uint64_t> cancelled;
  if (!collect_work(admitted, dropped, cancelled)) return false;
  for (Queued& q : dropped) {
    FinishInfo info;
    info.reason = FinishReason::kCancelled;
    info.prompt_tokens = static_cast<int32_t>(q.request.prompt.size());
    if (q.request.on_finish) q.request.on_finish(info);
  }
  for (Slot& s : slots_) {
    if (s.active && cancelled.count(s.active->id)) finish(s, FinishReason::kCancelled);
  }
  for (Queued& q : admitted) {
    if (cancelled.count(q.id)) {
      FinishInfo info;
      info.reason = FinishReason::kCancelled;
      if (q.request.on_finish) q.request.on_finish(info);
      continue;
    }
    place(std::move(q));
  }
  // Zero-token requests end before any compute.
  for (Slot& s : slots_) {
    if (s.active && s.active->request.max_tokens == 0) finish(s, FinishReason::kLength);
  }

  batch_.clear();
  int32_t budget = options_.max_batch_tokens;
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (!s.active || s.active->last_token < 0) continue;
    batch_.add(s.active->last_token, static_cast<int32_t>(s.tokens.size()), static_cast<int32_t>(i), true);
    s.tokens.push_back(s.active->last_token);
    s.active->last_token = -1;
    --budget;
  }
  for (size_t i = 0; i < slots_.size() && budget > 0; ++i) {
    Slot& s = slots_[i];
    if (!s.active) continue;
    Active& a = *s.active;
    const int32_t n_prompt = static_cast<int32_t>(a.request.prompt.size());
    if (a.n_prompt_done >= n_prompt) continue;
    const int32_t take = std::min(budget, n_prompt - a.n_prompt_done);
    for (int32_t k = 0; k < take; ++k) {
      const int32_t p = a.n_prompt_done + k;
      const bool last = p == n_prompt - 1;
      batch_.add(a.request.prompt[p], static_cast<int32_t>(s.tokens.size()), static_cast<int32_t>(i), last);
      s.tokens.push_back(a.request.prompt[p]);
    }
    a.n_prompt_done += take;
    budget -= take;
  }
  // Rejections and cancellations count as work: the queue may hold more.
  if (batch_.size() == 0) return !admitted.empty() || !dropped.empty() || !cancelled.empty();

  // Outputs come back in batch order; map them to slots in that order.
  std::vector<int32_t> output_slots;
  for (int32_t t = 0; t < batch_.size(); ++t) {
    if (batch_.want_logits[t]) output_slots.push_back(batch_.slots[t]);
  }
  const double t0 = monotonic_seconds();
  model_.forward(batch_, cache_, logits_.data(), pool_);
  const int32_t n_vocab = model_.config().vocab_size;
  // Sampling a large vocabulary costs about as much as a small model's forward per sequence:
  // unconstrained slots draw in parallel (each has its own sampler); grammar-constrained ones,
  // whose matchers may share caches, draw on this thread. Tokens are applied in batch order.
  std::vector<Draw> draws(output_slots.size());
  std::vector<size_t> free_draws;
  for (size_t k = 0; k < output_slots.size(); ++k) {
    Slot& s = slots_[output_slots[k]];
    if (!s.active) continue;
    if (s.active->request.constraint) {
      draws[k] = draw_slot(s, logits_.data() + k * static_cast<size_t>(n_vocab), allowed_);
    } else {
      free_draws.push_back(k);
    }
  }
  pool_.parallel_for(static_cast<int64_t>(free_draws.size()), [&](int64_t b, int64_t e, int) {
    std::vector<uint8_t> unused;
    for (int64_t j = b; j < e; ++j) {
      const size_t k = free_draws[static_cast<size_t>(j)];
      draws[k] = draw_slot(slots_[output_slots[k]], logits_.data() + k * static_cast<size_t>(n_vocab), unused);
    }
  });
  for (size_t k = 0; k < output_slots.size(); ++k) {
    Slot& s = slots_[output_slots[k]];
    if (s.active && draws[k].done) commit_slot(s, draws[k]);
  }
  const double dt = monotonic_seconds() - t0;
  std::lock_guard<std::mutex> lock(mutex_);
  recent_tokens_ = recent_tokens_ * 0.9 + static_cast<double>(output_slots.size());
  recent_seconds_ = recent_seconds_ * 0.9 + dt;
  return true;
}

void BatchEngine::run_until_idle() {
  while (step()) {
  }
}

}  // namespace owl
