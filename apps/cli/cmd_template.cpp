// owl template: render a chat template for a request exactly as Hugging Face transformers would.
#include <CLI/CLI.hpp>

#include <fstream>

#include "base/error.h"
#include "commands.h"
#include "formats/gguf.h"
#include "template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace owl::cli {
namespace {

bool is_gguf(const std::string& path) {
  char magic[4] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, 4);
  return in.gcount() == 4 && std::string(magic, 4) == "GGUF";
}

// A GGUF model's template: tokenizer.chat_template (and tokenizer.chat_template.<name>), with the
// bos/eos token texts of its vocabulary.
tmpl::ChatTemplateSource gguf_template(const std::string& path) {
  auto file = gguf::File::open(path);
  tmpl::ChatTemplateSource src;
  src.origin = path;
  src.default_template = file->get_string("tokenizer.chat_template");
  const std::string prefix = "tokenizer.chat_template.";
  for (const auto& [key, value] : file->metadata()) {
    if (key.rfind(prefix, 0) == 0 && value.as_string() != nullptr) {
      src.named.emplace_back(key.substr(prefix.size()), *value.as_string());
    }
  }
  if (!src.default_template && src.named.empty()) fail("{}: the model has no chat template", path);
  auto tok = Tokenizer::from_gguf(*file);
  if (tok->bos_id() >= 0) src.bos_token = std::string(tok->token_text(tok->bos_id()));
  if (tok->eos_id() >= 0) src.eos_token = std::string(tok->token_text(tok->eos_id()));
  return src;
}

}  // namespace

int template_command(int argc, char** argv) {
  CLI::App app{"Print the prompt a chat template renders for a request, exactly.", "owl template"};
  std::string source, request;
  app.add_option("source", source, "model (.gguf or folder), tokenizer folder, tokenizer_config.json or .jinja")
      ->required();
  app.add_option("--request", request, "request JSON: messages, tools, add_generation_prompt, extra, ...")
      ->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (is_gguf(source)) return tmpl::run_template_command(gguf_template(source), request);
  return tmpl::run_template_command(source, request);
}

}  // namespace owl::cli
