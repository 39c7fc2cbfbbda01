// Engine callbacks -> channel events.
#include "server/generation.h"

#include "server/text_stream.h"
#include "tokenizer/tokenizer.h"

namespace owl::server {

void GenerationChannel::push(ChoiceEvent event) {
  {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

std::vector<ChoiceEvent> GenerationChannel::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [this] { return !events_.empty(); });
  std::vector<ChoiceEvent> out(std::make_move_iterator(events_.begin()),
                               std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

namespace {

// Per-choice decoding state, owned by the callbacks (engine thread only).
struct ChoiceState {
  int choice = 0;
  const Tokenizer* tokenizer = nullptr;
  std::shared_ptr<GenerationChannel> channel;
  int32_t prev = -1;
  Utf8Assembler utf8;
  StopMatcher stop;
  bool want_logprobs = false;
  bool stopped = false;
  explicit ChoiceState(std::vector<std::string> stops) : stop(std::move(stops)) {}
};

bool on_token(ChoiceState& s, const TokenEvent& t) {
  if (s.channel->cancelled()) return false;
  if (s.stopped) return false;
  // An end-of-generation token reaches us when a constraint allowed it but did not report
  // complete (BatchEngine then emits it instead of stopping): it ends the output here.
  if (s.tokenizer->is_end_of_generation(t.id)) return false;
  ChoiceEvent e;
  e.choice = s.choice;
  e.tokens = 1;
  const std::string piece = s.tokenizer->piece(t.id, s.prev);
  if (s.want_logprobs) {
    TokenLogprob lp;
    lp.token = piece;
    lp.logprob = t.logprob;
    for (const auto& [id, logprob] : t.top)
      lp.top.emplace_back(s.tokenizer->piece(id, s.prev), logprob);
    e.logprobs.push_back(std::move(lp));
  }
  s.prev = t.id;
  bool matched = false;
  e.text = s.stop.feed(s.utf8.feed(piece), matched);
  if (matched) {
    s.stopped = true;
    e.finished = false;
  }
  s.channel->push(std::move(e));
  return !matched;
}

void on_finish(ChoiceState& s, const FinishInfo& info) {
  ChoiceEvent e;
  e.choice = s.choice;
  e.finished = true;
  e.stopped_by_string = s.stopped;
  e.info = info;
  if (!s.stopped) {
    bool matched = false;
    e.text = s.stop.feed(s.utf8.flush(), matched);
    if (!matched) e.text += s.stop.flush();
  }
  s.channel->push(std::move(e));
}

}  // namespace

GenerationRequest make_request(ChoiceSetup setup, const Tokenizer& tokenizer,
                               std::shared_ptr<GenerationChannel> channel) {
  auto state = std::make_shared<ChoiceState>(std::move(setup.stop));
  state->choice = setup.choice;
  state->tokenizer = &tokenizer;
  state->channel = std::move(channel);
  state->want_logprobs = setup.want_logprobs;
  GenerationRequest r;
  r.prompt = std::move(setup.prompt);
  r.max_tokens = setup.max_tokens;
  r.sampling = setup.sampling;
  r.constraint = std::move(setup.constraint);
  r.on_token = [state](const TokenEvent& t) {
    try {
      return on_token(*state, t);
    } catch (...) {
      return false;  // never let an exception cross into the engine
    }
  };
  r.on_finish = [state](const FinishInfo& info) {
    try {
      on_finish(*state, info);
    } catch (...) {
    }
  };
  return r;
}

}  // namespace owl::server
