// Code extraction and test-program assembly for HumanEval, MBPP and user code tasks.
#include "eval/code_check.h"

#include <optional>

#include "eval/text_util.h"

namespace owl::eval {

namespace {

struct Block {
  std::string lang;
  std::string code;
};

std::vector<Block> fenced_blocks(std::string_view text) {
  std::vector<Block> blocks;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find("```", pos);
    if (open == std::string_view::npos) break;
    size_t line_end = text.find('\n', open);
    if (line_end == std::string_view::npos) break;
    Block b;
    b.lang = to_lower(trim_view(text.substr(open + 3, line_end - open - 3)));
    const size_t close = text.find("```", line_end + 1);
    if (close == std::string_view::npos) {
      b.code = std::string(text.substr(line_end + 1));  // cut off mid-block (max tokens)
      blocks.push_back(std::move(b));
      break;
    }
    b.code = std::string(text.substr(line_end + 1, close - line_end - 1));
    blocks.push_back(std::move(b));
    pos = close + 3;
  }
  return blocks;
}

std::string normalize_newlines(std::string s) {
  replace_all(s, "\r\n", "\n");
  return s;
}

}  // namespace

bool defines_function(std::string_view code, std::string_view name) {
  if (name.empty()) return false;
  const std::string needle = "def " + std::string(name) + "(";
  for (size_t pos = code.find(needle); pos != std::string_view::npos;
       pos = code.find(needle, pos + 1)) {
    if (pos == 0 || code[pos - 1] == '\n') return true;
  }
  return false;
}

std::string extract_code(std::string_view completion, std::string_view entry_point) {
  const auto blocks = fenced_blocks(completion);
  if (blocks.empty()) return std::string(completion);
  for (const Block& b : blocks) {
    if (defines_function(b.code, entry_point)) return b.code;
  }
  for (const Block& b : blocks) {
    if (b.lang == "python" || b.lang == "py" || b.lang == "python3") return b.code;
  }
  return blocks.front().code;
}

std::string build_test_program(const CodeTests& tests, const std::string& code) {
  std::string program;
  if (tests.style == CodeTests::Style::kHumanEval) {
    if (defines_function(code, tests.entry_point)) {
      program = tests.prompt + "\n" + code;
    } else {
      program = tests.prompt + code;
    }
    program += "\n" + tests.test + "\n" + "check(" + tests.entry_point + ")\n";
    return program;
  }
  if (!tests.imports.empty()) program += tests.imports + "\n";
  program += code + "\n";
  if (!tests.setup.empty()) program += normalize_newlines(tests.setup) + "\n";
  program += tests.test + "\n";
  return program;
}

CodeVerdict verify_code(std::string_view completion, const CodeTests& tests,
                        const SandboxLimits& limits) {
  CodeVerdict v;
  v.code = extract_code(completion, tests.entry_point);
  if (trim_view(v.code).empty()) {
    v.detail = "no code";
    return v;
  }
  const SandboxResult r = run_python_sandboxed(build_test_program(tests, v.code), limits);
  v.passed = r.passed();
  v.detail = r.describe();
  return v;
}

}  // namespace owl::eval
