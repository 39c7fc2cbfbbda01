// owl eval: rollouts on a verifiable task, scored; or --rescore an existing rollout file.
#include "commands.h"
#include "eval/engine_backend.h"
#include "eval/eval_command.h"

namespace owl::cli {

int eval_command(int argc, char** argv) {
  static const eval::EvalBackend backend = eval::model_eval_backend();
  return eval::run_eval_command(argc, argv, &backend);
}

}  // namespace owl::cli
