// owl logits: the logits of every position of an id sequence, decoded as one batch, written as
// little-endian float32 [n_tokens][n_vocab] (the layout other engines' dumps use).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "base/error.h"
#include "base/thread_pool.h"
#include "cli_util.h"
#include "commands.h"
#include "model/loader.h"

namespace owl::cli {

int logits_command(int argc, char** argv) {
  CLI::App app{"Write the logits of every position of an id sequence (one batch) as float32.", "owl logits"};
  std::string model_path, ids_text, out_path, tokenizer_path;
  int32_t threads = default_thread_count();
  app.add_option("model", model_path, "model")->required();
  app.add_option("--ids", ids_text, "token ids, comma separated")->required();
  app.add_option("--out", out_path, "output file: float32 little-endian [n_tokens][n_vocab]")->required();
  app.add_option("-t,--threads", threads, "threads")->capture_default_str();
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const std::vector<int32_t> ids = parse_ids(ids_text);
  if (ids.empty()) fail("--ids is empty");
  LoadOptions lo;
  lo.tokenizer_path = tokenizer_path;
  auto model = load_model(model_path, lo);
  const int32_t n = static_cast<int32_t>(ids.size());
  const int32_t vocab = model->config().vocab_size;
  for (int32_t id : ids) {
    if (id >= vocab) fail("token id {} is outside the vocabulary (0..{})", id, vocab - 1);
  }
  ThreadPool pool(std::max(1, threads));
  KvCache cache(model->kv_shapes(), 1, n);
  Batch batch;
  for (int32_t i = 0; i < n; ++i) batch.add(ids[i], i, 0, true);
  std::vector<float> logits(static_cast<size_t>(n) * vocab);
  model->forward(batch, cache, logits.data(), pool);
  // Write beside the target, then rename: a failure leaves no partial file.
  const std::string tmp = out_path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) fail("{}: cannot write", out_path);
  const size_t wrote = std::fwrite(logits.data(), sizeof(float), logits.size(), f);
  const bool ok = wrote == logits.size() && std::fclose(f) == 0;
  if (!ok) {
    std::remove(tmp.c_str());
    fail("{}: write failed", out_path);
  }
  std::filesystem::rename(tmp, out_path);
  std::fprintf(stderr, "owl: wrote %d x %d logits to %s\n", n, vocab, out_path.c_str());
  return 0;
}

}  // namespace owl::cli
