// owl bench: prompt and generation speed, bandwidth and roofline of a model on this machine.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli_util.h"
#include "commands.h"
#include "runtime/bench.h"

namespace owl::cli {

int bench_command(int argc, char** argv) {
  CLI::App app{"Measure prompt-processing and generation speed (medians over repetitions).", "owl bench"};
  std::string model;
  BenchOptions o;
  bool json = false;
  std::string kv_type = "f32";
  app.add_option("model", model, "model")->required();
  app.add_option("-p,--n-prompt", o.n_prompt, "prompt tokens (0: skip)")->capture_default_str();
  app.add_option("-n,--n-gen", o.n_gen, "generated tokens (0: skip)")->capture_default_str();
  app.add_option("-t,--threads", o.threads, "threads")->capture_default_str();
  app.add_option("-r,--repetitions", o.reps, "repetitions")->capture_default_str();
  add_kv_type_flag(app, kv_type);
  app.add_flag("--json", json, "print one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  o.kv_type = kv_type_from_flag(kv_type);
  const BenchResult r = run_bench(model, o);
  const std::string out = json ? bench_to_json(r).dump(1) + "\n" : bench_to_text(r);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace owl::cli
