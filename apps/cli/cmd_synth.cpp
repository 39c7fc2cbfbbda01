// owl synth: write a random-weight model with the exact tensor shapes of a config.json.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "base/error.h"
#include "commands.h"
#include "model/synth.h"
#include "runtime/batch_engine.h"

namespace owl::cli {

int synth_command(int argc, char** argv) {
  CLI::App app{"Write a random-weight model with the tensor shapes of a Hugging Face config.json.", "owl synth"};
  SynthOptions o;
  app.add_option("--config", o.config_path, "config.json of the model to imitate")->required();
  app.add_option("--layers", o.n_layers, "keep only this many layers");
  app.add_option("--tokenizer", o.tokenizer_dir, "tokenizer folder to carry (tokenizer.json, tokenizer_config.json)");
  app.add_option("--type", o.type,
                 "f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k iq4_nl, or the mixes "
                 "q4_k_m q4_k_s q5_k_m q3_k_m")->capture_default_str();
  app.add_option("--out", o.out_path, "output .gguf")->required();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("-t,--threads", o.threads, "threads (default: all cores)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const double t0 = monotonic_seconds();
  const SynthReport r = synthesize_model(o);
  std::fprintf(stderr, "owl: wrote %s: %s, %lld tensors, %.3f B parameters, %.1f MiB, %.1f s\n",
               o.out_path.c_str(), r.arch.c_str(), static_cast<long long>(r.n_tensors), r.n_params / 1e9,
               r.bytes / 1048576.0, monotonic_seconds() - t0);
  return 0;
}

}  // namespace owl::cli
