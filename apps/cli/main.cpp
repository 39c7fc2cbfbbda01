// owl command line: dispatches to one subcommand per verb.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("owl 0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "usage: owl <run|info|tokenize|logits|synth> ...\n");
  return 2;
}
