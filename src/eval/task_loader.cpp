// Loads the named verifiable-answer data sets (files laid out as shared/datasets/README.md
// describes) and user JSONL tasks into Problems.
#include <filesystem>
#include <set>

#include "base/error.h"
#include "eval/gsm8k_grader.h"
#include "eval/json_lines.h"
#include "eval/prompts.h"
#include "eval/task.h"
#include "eval/text_util.h"

namespace owl::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string data_file(const TaskOptions& options, const std::string& task,
                      const std::vector<std::string>& candidates) {
  if (options.data_dir.empty()) {
    fail("task {} needs --data-dir: the folder that holds {}", task, candidates.front());
  }
  for (const auto& rel : candidates) {
    const fs::path p = fs::path(options.data_dir) / rel;
    if (fs::exists(p)) return p.string();
  }
  fail("task {}: {} not found in --data-dir {}", task, candidates.front(), options.data_dir);
}

void set_math_prompts(Problem& p, const std::string& problem_text) {
  p.messages = {{"user", math_chat_prompt(problem_text)}};
  p.raw_prompt = math_raw_prompt(problem_text);
  p.stop = math_raw_stop();
}

Task load_gsm8k(const TaskOptions& options) {
  Task task;
  task.name = "gsm8k";
  const std::string path = data_file(options, "gsm8k", {"gsm8k/test.jsonl"});
  // Few-shot examples for --template raw: the first 4 training problems, when present.
  std::vector<Gsm8kShot> shots;
  const fs::path train = fs::path(options.data_dir) / "gsm8k/train.jsonl";
  if (fs::exists(train)) {
    for_each_json_line(train.string(), [&](const json& row, const JsonWhere& where) {
      if (shots.size() < 4) {
        shots.push_back({json_string(row, "question", where),
                         strip_calculator_annotations(json_string(row, "answer", where))});
      }
    });
  }
  size_t index = 0;
  for_each_json_line(path, [&](const json& row, const JsonWhere& where) {
    Problem p;
    p.id = std::to_string(index++);
    const std::string question = json_string(row, "question", where);
    const auto ref = gsm8k_reference(json_string(row, "answer", where));
    if (!ref) fail("{}: field 'answer' has no '#### <number>' line", where.str());
    p.answer = *ref;
    p.verifier = VerifierKind::kGsm8k;
    p.messages = {{"user", math_chat_prompt(question)}};
    p.raw_prompt = gsm8k_raw_prompt(shots, question);
    p.stop = gsm8k_raw_stop();
    task.problems.push_back(std::move(p));
  });
  return task;
}

Task load_math_like(const TaskOptions& options, const std::string& name, const char* id_field) {
  Task task;
  task.name = name;
  const std::string path = data_file(options, name, {name + "/test.jsonl"});
  for_each_json_line(path, [&](const json& row, const JsonWhere& where) {
    Problem p;
    p.id = json_string_or_int(row, id_field, where);
    p.answer = json_string_or_int(row, "answer", where);
    p.verifier = VerifierKind::kMath;
    set_math_prompts(p, json_string(row, "problem", where));
    task.problems.push_back(std::move(p));
  });
  return task;
}

Task load_humaneval(const TaskOptions& options) {
  Task task;
  task.name = "humaneval";
  const std::string path = data_file(options, "humaneval",
                                     {"humaneval/HumanEval.jsonl", "humaneval/HumanEval.jsonl.gz"});
  for_each_json_line(path, [&](const json& row, const JsonWhere& where) {
    Problem p;
    p.id = json_string(row, "task_id", where);
    p.verifier = VerifierKind::kCode;
    p.code.style = CodeTests::Style::kHumanEval;
    p.code.prompt = json_string(row, "prompt", where);
    p.code.entry_point = json_string(row, "entry_point", where);
    p.code.test = json_string(row, "test", where);
    p.reference_solution = json_string(row, "canonical_solution", where);
    p.messages = {{"user", humaneval_chat_prompt(p.code.prompt)}};
    p.raw_prompt = p.code.prompt;
    p.stop = humaneval_raw_stop();
    task.problems.push_back(std::move(p));
  });
  return task;
}

std::string crlf_to_lf(std::string s) {
  replace_all(s, "\r\n", "\n");
  return s;
}

// The function the asserts call: the first name followed by '(' that the reference defines.
std::string mbpp_entry_point(const std::vector<std::string>& tests, const std::string& code) {
  if (tests.empty()) return "";
  const std::string& t = tests.front();
  for (size_t i = 0; i < t.size(); ++i) {
    if (!is_alpha(t[i]) && t[i] != '_') continue;
    size_t j = i;
    while (j < t.size() && (is_alpha(t[j]) || is_digit(t[j]) || t[j] == '_')) ++j;
    const std::string name = t.substr(i, j - i);
    if (j < t.size() && t[j] == '(' && defines_function(code, name)) return name;
    i = j;
  }
  return "";
}

struct MbppRow {
  int task_id;
  Problem problem;
  MbppShot shot;
};

// MBPP splits by task_id (google-research mbpp/README.md): 1-10 prompting, 11-510 test.
bool in_mbpp_test_split(int id) { return id >= 11 && id <= 510; }

Task finish_mbpp(const std::string& name, std::vector<MbppRow> rows, const TaskOptions& options) {
  std::vector<MbppShot> shots;
  for (int id : {2, 3, 4}) {  // the MBPP paper's 3-shot prompt
    for (const auto& r : rows) {
      if (r.task_id == id) shots.push_back(r.shot);
    }
  }
  Task task;
  task.name = name;
  for (auto& r : rows) {
    if (!options.all_splits && !in_mbpp_test_split(r.task_id)) continue;
    r.problem.raw_prompt = mbpp_raw_prompt(shots, r.shot.text, r.shot.tests);
    task.problems.push_back(std::move(r.problem));
  }
  return task;
}

MbppRow mbpp_row(const json& row, const JsonWhere& where, const char* text_field) {
  const auto& id = json_field(row, "task_id", where);
  if (!id.is_number_integer()) fail("{}: field 'task_id' must be an integer", where.str());
  MbppRow r;
  r.task_id = id.get<int>();
  r.shot.text = json_string(row, text_field, where);
  r.shot.tests = json_string_list(row, "test_list", where);
  r.shot.code = crlf_to_lf(json_string(row, "code", where));
  Problem& p = r.problem;
  p.id = std::to_string(r.task_id);
  p.verifier = VerifierKind::kCode;
  p.code.style = CodeTests::Style::kAsserts;
  for (const auto& t : r.shot.tests) p.code.test += t + "\n";
  p.code.entry_point = mbpp_entry_point(r.shot.tests, r.shot.code);
  p.reference_solution = r.shot.code;
  p.messages = {{"user", mbpp_chat_prompt(r.shot.text, r.shot.tests)}};
  p.stop = mbpp_raw_stop();
  return r;
}

Task load_mbpp(const TaskOptions& options) {
  const std::string path = data_file(options, "mbpp", {"mbpp/mbpp.jsonl"});
  std::vector<MbppRow> rows;
  for_each_json_line(path, [&](const json& row, const JsonWhere& where) {
    MbppRow r = mbpp_row(row, where, "text");
    r.problem.code.setup = crlf_to_lf(json_string(row, "test_setup_code", where));
    rows.push_back(std::move(r));
  });
  return finish_mbpp("mbpp", std::move(rows), options);
}

Task load_mbpp_sanitized(const TaskOptions& options) {
  const std::string path = data_file(options, "mbpp-sanitized", {"mbpp/sanitized-mbpp.json"});
  json all;
  try {
    all = json::parse(read_file_text(path));
  } catch (const json::parse_error& e) {
    fail("{}: not valid JSON: {}", path, e.what());
  }
  if (!all.is_array()) fail("{}: expected a JSON array of tasks", path);
  std::vector<MbppRow> rows;
  for (size_t i = 0; i < all.size(); ++i) {
    const JsonWhere where{path + " item", i + 1};
    if (!all[i].is_object()) fail("{}: expected a JSON object", where.str());
    MbppRow r = mbpp_row(all[i], where, "prompt");
    for (const auto& imp : json_string_list(all[i], "test_imports", where)) {
      r.problem.code.imports += imp + "\n";
    }
    rows.push_back(std::move(r));
  }
  return finish_mbpp("mbpp-sanitized", std::move(rows), options);
}

}  // namespace

Task load_user_jsonl(const std::string& path);  // user_task.cpp

std::string_view verifier_name(VerifierKind kind) {
  switch (kind) {
    case VerifierKind::kMath:
      return "math";
    case VerifierKind::kGsm8k:
      return "gsm8k";
    case VerifierKind::kCode:
      return "code";
    case VerifierKind::kExact:
      return "exact";
    case VerifierKind::kRegex:
      return "regex";
  }
  return "?";
}

std::optional<VerifierKind> parse_verifier(std::string_view name) {
  for (auto k : {VerifierKind::kMath, VerifierKind::kGsm8k, VerifierKind::kCode,
                 VerifierKind::kExact, VerifierKind::kRegex}) {
    if (verifier_name(k) == name) return k;
  }
  return std::nullopt;
}

const Problem* Task::find(std::string_view id) const {
  const auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &problems[it->second];
}

void Task::build_index() {
  by_id_.clear();
  for (size_t i = 0; i < problems.size(); ++i) {
    if (!by_id_.emplace(problems[i].id, i).second) {
      fail("task {}: id '{}' appears more than once", name, problems[i].id);
    }
  }
}

std::string named_task_list() {
  return "gsm8k, math500, aime24, aime25, humaneval, mbpp, mbpp-sanitized, jsonl:PATH";
}

Task load_task(const std::string& spec, const TaskOptions& options) {
  Task task;
  if (spec.starts_with("jsonl:")) {
    task = load_user_jsonl(spec.substr(6));
  } else if (spec == "gsm8k") {
    task = load_gsm8k(options);
  } else if (spec == "math500") {
    task = load_math_like(options, "math500", "unique_id");
  } else if (spec == "aime24" || spec == "aime25") {
    task = load_math_like(options, spec, "id");
  } else if (spec == "humaneval") {
    task = load_humaneval(options);
  } else if (spec == "mbpp") {
    task = load_mbpp(options);
  } else if (spec == "mbpp-sanitized") {
    task = load_mbpp_sanitized(options);
  } else {
    fail("unknown task '{}' (known: {})", spec, named_task_list());
  }
  task.build_index();
  return task;
}

}  // namespace owl::eval
