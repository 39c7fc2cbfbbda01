// owl tokenize / owl detokenize: text <-> ids for a model or a tokenizer alone.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "base/error.h"
#include "base/mapped_file.h"
#include "cli_util.h"
#include "commands.h"
#include "model/loader.h"

namespace owl::cli {

int tokenize_command(int argc, char** argv) {
  CLI::App app{"Print the token ids of a text, space separated.", "owl tokenize"};
  std::string source, text, file, tokenizer_path;
  bool add_special = false, no_parse_special = false;
  app.add_option("model", source, "model or tokenizer (GGUF, tokenizer.json(.gz), folder, .bin)")->required();
  auto* text_opt = app.add_option("--text", text, "text to tokenize");
  auto* file_opt = app.add_option("--file", file, "file whose bytes to tokenize");
  text_opt->excludes(file_opt);
  app.add_flag("--add-special", add_special, "add BOS/EOS as the tokenizer's settings say");
  app.add_flag("--no-parse-special", no_parse_special, "treat special-token text as plain text");
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (text_opt->count() == 0 && file_opt->count() == 0) fail("give --text STR or --file PATH");
  if (file_opt->count() > 0) text = read_file(file);
  LoadOptions lo;
  lo.tokenizer_path = tokenizer_path;
  auto tok = load_tokenizer(source, lo);
  std::printf("%s\n", join_ids(tok->encode(text, add_special, !no_parse_special)).c_str());
  return 0;
}

int detokenize_command(int argc, char** argv) {
  CLI::App app{"Print the text of token ids.", "owl detokenize"};
  std::string source, ids_text, tokenizer_path;
  bool skip_special = false;
  app.add_option("model", source, "model or tokenizer")->required();
  app.add_option("--ids", ids_text, "token ids, comma separated")->required();
  app.add_flag("--skip-special", skip_special, "leave out special tokens");
  app.add_option("--tokenizer", tokenizer_path, "tokenizer file for llama2.c checkpoints");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  LoadOptions lo;
  lo.tokenizer_path = tokenizer_path;
  auto tok = load_tokenizer(source, lo);
  const std::vector<int32_t> ids = parse_ids(ids_text);
  for (int32_t id : ids) {
    if (id >= tok->n_vocab()) fail("token id {} is outside the vocabulary (0..{})", id, tok->n_vocab() - 1);
  }
  std::string out = tok->decode(ids, skip_special);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace owl::cli
