// The EvalBackend that opens models with owl's own loader and batching engine and renders chat
// prompts with the model's chat template through the template layer (library owl_eval_engine).
#pragma once

#include "eval/eval_command.h"

namespace owl::eval {

// open_engine: load_model(path) + BatchEngine with one slot per request in flight, running on a
// background thread. Each slot holds min(model context, max_tokens + 3072) positions (4096 +
// max_tokens when the model does not say), or request.context when given. render_chat: the
// model's template with add_generation_prompt and the vocabulary's BOS/EOS texts.
EvalBackend model_eval_backend();

}  // namespace owl::eval
