// The `code` verifier: pull the code out of a completion, build the test program the official
// harnesses build (HumanEval: prompt + completion + test + check(entry_point); MBPP: code, setup,
// asserts) and run it in the sandbox. Reward 1 only when the program exits 0.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eval/sandbox.h"

namespace owl::eval {

struct CodeTests {
  enum class Style {
    kHumanEval,  // `prompt` is the function head the completion continues; `test` defines check()
    kAsserts,    // `test` is Python run after the candidate code (MBPP asserts, user tests)
  };
  Style style = Style::kAsserts;
  std::string prompt;       // kHumanEval: the prompt the model continued
  std::string entry_point;  // the function under test (used to choose among code blocks)
  std::string imports;      // run before the candidate code (MBPP sanitized test_imports)
  std::string setup;        // run after the candidate code, before the tests (MBPP test_setup_code)
  std::string test;
};

// The code in a completion: the fenced block (```python ... ```, or ``` ... ```) that defines the
// entry point, else the first python block, else the first block; an unclosed fence runs to the
// end. Without fences, the completion itself.
std::string extract_code(std::string_view completion, std::string_view entry_point);

// True when `code` defines `def <name>(` at the start of a line with no indentation.
bool defines_function(std::string_view code, std::string_view name);

// The program to run. HumanEval: a completion that defines the entry point itself (chat models)
// is appended after the prompt (redefining the stub), else prompt + completion as the harness does.
std::string build_test_program(const CodeTests& tests, const std::string& code);

struct CodeVerdict {
  bool passed = false;
  std::string code;    // what was extracted from the completion
  std::string detail;  // "passed", "timed out", "exit status 1: AssertionError", ...
};

CodeVerdict verify_code(std::string_view completion, const CodeTests& tests,
                        const SandboxLimits& limits);

}  // namespace owl::eval
