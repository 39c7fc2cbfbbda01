// Prompt wording for the named tasks: chat prompts with the conventional instructions and raw
// few-shot prompts for base models, with the stop strings that end a raw answer.
#pragma once

#include <string>
#include <vector>

namespace owl::eval {

// "Please reason step by step, and put your final answer within \boxed{}."
extern const char* const kBoxedInstruction;

std::string math_chat_prompt(const std::string& problem);
// Four short worked examples (written for owl) in "Problem:/Solution:" form, then the problem.
std::string math_raw_prompt(const std::string& problem);
std::vector<std::string> math_raw_stop();

struct Gsm8kShot {
  std::string question;
  std::string solution;  // calculator annotations <<...>> removed, ends "#### n"
};
std::string gsm8k_raw_prompt(const std::vector<Gsm8kShot>& shots, const std::string& question);
std::vector<std::string> gsm8k_raw_stop();
// Removes GSM8K's calculator annotations "<<48/2=24>>".
std::string strip_calculator_annotations(const std::string& solution);

std::string humaneval_chat_prompt(const std::string& prompt);
std::vector<std::string> humaneval_raw_stop();

struct MbppShot {
  std::string text;
  std::vector<std::string> tests;
  std::string code;
};
std::string mbpp_chat_prompt(const std::string& text, const std::vector<std::string>& tests);
// The MBPP paper's format: "You are an expert Python programmer, and here is your task: ...
// Your code should pass these tests:\n\n...\n[BEGIN]\n" with the shots closed by "[DONE]".
std::string mbpp_raw_prompt(const std::vector<MbppShot>& shots, const std::string& text,
                            const std::vector<std::string>& tests);
std::vector<std::string> mbpp_raw_stop();

}  // namespace owl::eval
