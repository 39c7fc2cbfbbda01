// The EvalBackend that opens models with owl's own loader and batching engine (owl_eval_engine).
// Chat templates are not rendered here yet: the template layer supplies render_chat when it lands.
#pragma once

#include "eval/eval_command.h"

namespace owl::eval {

// open_engine: load_model(path) + BatchEngine with one slot per request in flight, running on a
// background thread. Each slot holds min(model context, max_tokens + 3072) positions (4096 +
// max_tokens when the model does not say), or request.context when given.
EvalBackend model_eval_backend();

}  // namespace owl::eval
