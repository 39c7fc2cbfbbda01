// Dispatch from a problem's verifier kind to the graders, and the regex verifier (PCRE2).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "eval/verifier.h"

#include <pcre2.h>

#include <memory>

#include "eval/gsm8k_grader.h"
#include "eval/math_grader.h"
#include "eval/text_util.h"

namespace owl::eval {

namespace {

struct CodeDeleter {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct MatchDataDeleter {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};
struct ContextDeleter {
  void operator()(pcre2_match_context* m) const { pcre2_match_context_free(m); }
};

std::unique_ptr<pcre2_code, CodeDeleter> compile(const std::string& pattern, std::string* error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, nullptr);
  if (re == nullptr && error != nullptr) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(code, buf, sizeof buf);
    *error = std::string(reinterpret_cast<char*>(buf)) + " at offset " + std::to_string(offset);
  }
  return std::unique_ptr<pcre2_code, CodeDeleter>(re);
}

Verdict verify_regex(const std::string& pattern, std::string_view completion) {
  Verdict v;
  std::string error;
  auto re = compile(pattern, &error);
  if (!re) {
    v.detail = "bad regex: " + error;
    return v;
  }
  std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(
      pcre2_match_data_create_from_pattern(re.get(), nullptr));
  std::unique_ptr<pcre2_match_context, ContextDeleter> ctx(pcre2_match_context_create(nullptr));
  // Bounds backtracking so a pathological pattern cannot hang the run.
  pcre2_set_match_limit(ctx.get(), 10'000'000);
  pcre2_set_depth_limit(ctx.get(), 10'000);
  const int rc = pcre2_match(re.get(), reinterpret_cast<PCRE2_SPTR>(completion.data()),
                             completion.size(), 0, 0, md.get(), ctx.get());
  if (rc < 0) {
    v.detail = rc == PCRE2_ERROR_NOMATCH ? "no match" : "regex match failed (limit)";
    return v;
  }
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
  uint32_t groups = 0;
  pcre2_pattern_info(re.get(), PCRE2_INFO_CAPTURECOUNT, &groups);
  size_t g = groups >= 1 && rc >= 2 && ov[2] != PCRE2_UNSET ? 1 : 0;
  v.extracted = std::string(completion.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
  v.reward = 1.0;
  return v;
}

}  // namespace

std::optional<std::string> regex_error(const std::string& pattern) {
  std::string error;
  if (compile(pattern, &error)) return std::nullopt;
  return error;
}

Verdict verify(const Problem& problem, std::string_view completion, const VerifyOptions& options) {
  Verdict v;
  switch (problem.verifier) {
    case VerifierKind::kMath: {
      const auto answer = extract_math_answer(completion);
      if (!answer) {
        v.detail = "no answer";
        return v;
      }
      v.extracted = *answer;
      v.reward = math_answers_equal(*answer, problem.answer) ? 1.0 : 0.0;
      return v;
    }
    case VerifierKind::kGsm8k: {
      const auto answer = extract_gsm8k_answer(completion);
      if (!answer) {
        v.detail = "no answer";
        return v;
      }
      v.extracted = *answer;
      v.reward = gsm8k_answers_equal(*answer, problem.answer) ? 1.0 : 0.0;
      return v;
    }
    case VerifierKind::kCode: {
      const CodeVerdict c = verify_code(completion, problem.code, options.sandbox);
      v.extracted = c.code;
      v.detail = c.detail;
      v.reward = c.passed ? 1.0 : 0.0;
      return v;
    }
    case VerifierKind::kExact:
      v.extracted = trim(completion);
      v.reward = v.extracted == trim(problem.answer) ? 1.0 : 0.0;
      return v;
    case VerifierKind::kRegex:
      return verify_regex(problem.answer, completion);
  }
  return v;
}

}  // namespace owl::eval
