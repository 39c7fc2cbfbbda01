// User tasks from JSONL: {"id", "prompt" | "messages", "verifier", "answer" | "tests", ...}.
// Optional: "stop" (strings ending a raw completion), for code "setup" (Python run before the
// candidate code) and "entry_point" (the function the tests call; picks among code blocks).
#include "base/error.h"
#include "eval/gsm8k_grader.h"
#include "eval/json_lines.h"
#include "eval/task.h"
#include "eval/verifier.h"

namespace owl::eval {

namespace {

using nlohmann::json;

std::vector<ChatMessage> parse_messages(const json& row, const JsonWhere& where) {
  const auto& v = json_field(row, "messages", where);
  if (!v.is_array() || v.empty()) {
    fail("{}: field 'messages' must be a non-empty list of {{\"role\", \"content\"}}", where.str());
  }
  std::vector<ChatMessage> out;
  for (const auto& m : v) {
    if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() ||
        !m["content"].is_string()) {
      fail("{}: field 'messages' must hold objects with string 'role' and 'content'", where.str());
    }
    out.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
  }
  return out;
}

std::string answer_text(const json& row, const JsonWhere& where) {
  const auto& v = json_field(row, "answer", where);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return v.dump();
  fail("{}: field 'answer' must be a string or a number", where.str());
}

void parse_reference(Problem& p, const json& row, const JsonWhere& where) {
  if (p.verifier == VerifierKind::kCode) {
    const auto& tests = json_field(row, "tests", where);
    if (tests.is_string()) {
      p.code.test = tests.get<std::string>();
    } else {
      for (const auto& t : json_string_list(row, "tests", where)) p.code.test += t + "\n";
    }
    if (p.code.test.find_first_not_of(" \t\r\n") == std::string::npos) {
      fail("{}: field 'tests' is empty", where.str());
    }
    p.code.style = CodeTests::Style::kAsserts;
    if (row.contains("setup")) p.code.imports = json_string(row, "setup", where);
    if (row.contains("entry_point")) p.code.entry_point = json_string(row, "entry_point", where);
    return;
  }
  p.answer = answer_text(row, where);
  if (p.verifier == VerifierKind::kGsm8k) {
    if (p.answer.find("####") != std::string::npos) {
      const auto ref = gsm8k_reference(p.answer);
      if (!ref) fail("{}: field 'answer' has '####' but no number after it", where.str());
      p.answer = *ref;
    }
    if (!canonical_decimal(p.answer)) {
      fail("{}: field 'answer' must be a number for verifier gsm8k", where.str());
    }
  }
  if (p.verifier == VerifierKind::kRegex) {
    if (auto err = regex_error(p.answer)) {
      fail("{}: field 'answer' is not a valid regex: {}", where.str(), *err);
    }
  }
}

}  // namespace

Task load_user_jsonl(const std::string& path) {
  Task task;
  task.name = "jsonl:" + path;
  for_each_json_line(path, [&](const json& row, const JsonWhere& where) {
    Problem p;
    p.id = json_string_or_int(row, "id", where);
    const std::string verifier = json_string(row, "verifier", where);
    const auto kind = parse_verifier(verifier);
    if (!kind) {
      fail("{}: field 'verifier' is '{}'; expected math, gsm8k, code, exact or regex", where.str(),
           verifier);
    }
    p.verifier = *kind;
    const bool has_prompt = row.contains("prompt"), has_messages = row.contains("messages");
    if (!has_prompt && !has_messages) fail("{}: needs field 'prompt' or 'messages'", where.str());
    if (has_prompt) {
      p.raw_prompt = json_string(row, "prompt", where);
      p.messages = {{"user", p.raw_prompt}};
    }
    if (has_messages) p.messages = parse_messages(row, where);
    if (row.contains("stop")) p.stop = json_string_list(row, "stop", where);
    parse_reference(p, row, where);
    task.problems.push_back(std::move(p));
  });
  if (task.problems.empty()) fail("{}: no problems in the file", path);
  return task;
}

}  // namespace owl::eval
