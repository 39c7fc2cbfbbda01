// A task is a list of problems, each with its prompts (chat and raw), a reference and a verifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/code_check.h"

namespace owl::eval {

enum class VerifierKind { kMath, kGsm8k, kCode, kExact, kRegex };
std::string_view verifier_name(VerifierKind kind);
std::optional<VerifierKind> parse_verifier(std::string_view name);

enum class TemplateMode { kChat, kRaw };

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct Problem {
  std::string id;
  std::vector<ChatMessage> messages;  // the chat prompt (rendered with the model's template)
  std::string raw_prompt;             // the raw (few-shot) prompt; empty when the task has none
  std::vector<std::string> stop;      // stop strings for the raw prompt
  VerifierKind verifier = VerifierKind::kExact;
  std::string answer;              // the reference (math, gsm8k, exact) or the pattern (regex)
  CodeTests code;                  // kCode
  std::string reference_solution;  // named code tasks: the data set's own solution
};

struct Task {
  std::string name;  // "gsm8k", "jsonl:/path/file.jsonl", ...
  std::vector<Problem> problems;
  // Index of a problem by id; nullptr when absent.
  const Problem* find(std::string_view id) const;
  void build_index();

 private:
  std::unordered_map<std::string, size_t> by_id_;
};

struct TaskOptions {
  std::string data_dir;     // named tasks: the folder laid out as shared/datasets
  bool all_splits = false;  // mbpp: every row instead of the test split 11-510
};

// Loads "gsm8k", "math500", "aime24", "aime25", "humaneval", "mbpp", "mbpp-sanitized" from
// options.data_dir, or a user file as "jsonl:PATH". Throws owl::Error naming file, line and field.
Task load_task(const std::string& spec, const TaskOptions& options);

// The names load_task knows (for help texts).
std::string named_task_list();

}  // namespace owl::eval
