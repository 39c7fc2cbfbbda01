// Prompt texts for the named tasks (the few-shot math examples are owl's own).
#include "eval/prompts.h"

#include "eval/text_util.h"

namespace owl::eval {

const char* const kBoxedInstruction =
    "Please reason step by step, and put your final answer within \\boxed{}.";

std::string math_chat_prompt(const std::string& problem) {
  return problem + "\n" + kBoxedInstruction;
}

std::string math_raw_prompt(const std::string& problem) {
  static const char* const kShots =
      "Problem:\nWhat is the value of $3^2 + 4^2$?\n\n"
      "Solution:\nWe have $3^2 = 9$ and $4^2 = 16$, so the sum is $9 + 16 = 25$.\n"
      "The final answer is $\\boxed{25}$.\n\n"
      "Problem:\nSimplify $\\frac{6}{8}$.\n\n"
      "Solution:\nBoth 6 and 8 are divisible by 2, so $\\frac{6}{8} = \\frac{3}{4}$.\n"
      "The final answer is $\\boxed{\\frac{3}{4}}$.\n\n"
      "Problem:\nSolve $2x + 5 = 11$ for $x$.\n\n"
      "Solution:\nSubtracting 5 from both sides gives $2x = 6$, so $x = 3$.\n"
      "The final answer is $\\boxed{3}$.\n\n"
      "Problem:\nHow many positive divisors does $12$ have?\n\n"
      "Solution:\nThe divisors of 12 are 1, 2, 3, 4, 6 and 12, so there are 6 of them.\n"
      "The final answer is $\\boxed{6}$.\n\n";
  return std::string(kShots) + "Problem:\n" + problem + "\n\nSolution:\n";
}

std::vector<std::string> math_raw_stop() { return {"\n\nProblem:"}; }

std::string strip_calculator_annotations(const std::string& solution) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t open = solution.find("<<", pos);
    const size_t close = open == std::string::npos ? open : solution.find(">>", open);
    if (close == std::string::npos) break;
    out.append(solution, pos, open - pos);
    pos = close + 2;
  }
  out.append(solution, pos, std::string::npos);
  return out;
}

std::string gsm8k_raw_prompt(const std::vector<Gsm8kShot>& shots, const std::string& question) {
  std::string out;
  for (const auto& s : shots) out += "Question: " + s.question + "\nAnswer: " + s.solution + "\n\n";
  return out + "Question: " + question + "\nAnswer:";
}

std::vector<std::string> gsm8k_raw_stop() { return {"\n\nQuestion:", "\nQuestion:"}; }

std::string humaneval_chat_prompt(const std::string& prompt) {
  return "Complete the following Python function. Reply with the complete function, including "
         "its signature, in a single ```python code block.\n\n```python\n" +
         prompt + "```";
}

// The usual Codex stop sequences: a new top-level statement ends the function body.
std::vector<std::string> humaneval_raw_stop() {
  return {"\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#"};
}

namespace {
std::string mbpp_task_text(const std::string& text, const std::vector<std::string>& tests) {
  std::string out = "You are an expert Python programmer, and here is your task: " + text +
                    " Your code should pass these tests:\n\n";
  for (size_t i = 0; i < tests.size(); ++i) {
    if (i) out += "\n";
    out += tests[i];
  }
  return out;
}
}  // namespace

std::string mbpp_chat_prompt(const std::string& text, const std::vector<std::string>& tests) {
  return mbpp_task_text(text, tests) +
         "\n\nWrite the solution as a Python function in a single ```python code block.";
}

std::string mbpp_raw_prompt(const std::vector<MbppShot>& shots, const std::string& text,
                            const std::vector<std::string>& tests) {
  std::string out;
  for (const auto& s : shots) {
    out += mbpp_task_text(s.text, s.tests) + "\n[BEGIN]\n" + s.code + "\n[DONE]\n";
  }
  return out + mbpp_task_text(text, tests) + "\n[BEGIN]\n";
}

std::vector<std::string> mbpp_raw_stop() { return {"[DONE]"}; }

}  // namespace owl::eval
