// Verifies one completion against its problem: the reward (1 or 0), what was extracted and why.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "eval/sandbox.h"
#include "eval/task.h"

namespace owl::eval {

struct VerifyOptions {
  SandboxLimits sandbox;  // code
};

struct Verdict {
  double reward = 0.0;
  std::string extracted;  // the answer found (code: the code that ran); empty when none
  std::string detail;     // code: "passed", "timed out", ...; others: "no answer" when none
};

// math: extract_math_answer + math_answers_equal. gsm8k: extract_gsm8k_answer +
// gsm8k_answers_equal. code: verify_code in the sandbox. exact: the trimmed completion equals
// the trimmed answer. regex: the answer is a PCRE2 pattern searched for anywhere in the
// completion; extracted is capture group 1 when the pattern has one, else the whole match.
Verdict verify(const Problem& problem, std::string_view completion, const VerifyOptions& options);

// nullopt when `pattern` compiles as a PCRE2 regex, else the compiler's message.
std::optional<std::string> regex_error(const std::string& pattern);

}  // namespace owl::eval
