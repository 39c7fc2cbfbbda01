// The owl subcommands; each parses its own arguments and returns the process exit code.
#pragma once

namespace owl::cli {

int run_command(int argc, char** argv);
int info_command(int argc, char** argv);
int tokenize_command(int argc, char** argv);
int detokenize_command(int argc, char** argv);
int logits_command(int argc, char** argv);
int synth_command(int argc, char** argv);
int template_command(int argc, char** argv);
int bench_command(int argc, char** argv);
int eval_command(int argc, char** argv);
int serve_command(int argc, char** argv);
int chat_command(int argc, char** argv);

}  // namespace owl::cli
