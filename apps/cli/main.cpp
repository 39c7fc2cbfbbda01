// owl command line: one subcommand per verb; errors print one message and exit 2.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "base/error.h"
#include "commands.h"

namespace {

struct Command {
  const char* name;
  int (*fn)(int, char**);
  const char* help;
};

constexpr Command kCommands[] = {
    {"run", owl::cli::run_command, "generate text (or ids) from a prompt"},
    {"info", owl::cli::info_command, "architecture, shapes, types, vocabulary, chat template"},
    {"tokenize", owl::cli::tokenize_command, "text -> token ids"},
    {"detokenize", owl::cli::detokenize_command, "token ids -> text"},
    {"logits", owl::cli::logits_command, "all-position logits of an id sequence, as float32"},
    {"synth", owl::cli::synth_command, "random-weight model with the shapes of a config.json"},
    {"template", owl::cli::template_command, "render a chat template for a request"},
    {"bench", owl::cli::bench_command, "prompt and generation speed, bandwidth, roofline"},
    {"serve", owl::cli::serve_command, "OpenAI-compatible HTTP server (continuous batching)"},
    {"chat", owl::cli::chat_command, "interactive chat in the terminal (/reset, /exit)"},
    {"eval", owl::cli::eval_command, "pass@k on verifiable tasks (rollouts for RLVR); --rescore"},
};

void usage(FILE* out) {
  std::fprintf(out, "owl: run open-weight language models on the CPU\n\nusage: owl <command> [options]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-11s %s\n", c.name, c.help);
  std::fprintf(out, "\n'owl <command> --help' describes a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string_view verb = argv[1];
  if (verb == "--help" || verb == "-h" || verb == "help") {
    usage(stdout);
    return 0;
  }
  if (verb == "--version") {
    std::printf("owl 0.1.0\n");
    return 0;
  }
  for (const Command& c : kCommands) {
    if (verb != c.name) continue;
    try {
      return c.fn(argc - 1, argv + 1);
    } catch (const owl::Error& e) {
      std::fprintf(stderr, "owl %s: error: %s\n", c.name, e.what());
      return 2;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "owl %s: error: out of memory\n", c.name);
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "owl %s: internal error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "owl: unknown command '%.*s'\n\n", static_cast<int>(verb.size()), verb.data());
  usage(stderr);
  return 2;
}
