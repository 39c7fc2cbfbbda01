// Compares the renderer with Python Jinja2 (Debian's python3-jinja2, run at test time through
// render_oracle.py in transformers' environment settings) on the cases in tests/template/cases.
// A missing /usr/bin/python3 or jinja2 fails the test.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "template/template.h"

namespace owl::tmpl {
namespace {

const std::string kDir = std::string(OWL_SOURCE_DIR) + "/tests/template";

// The Python exception class recorded by the oracle -> the kind owl must raise.
ErrorKind kind_of(const std::string& python_type) {
  if (python_type == "TemplateError") return ErrorKind::kRaise;
  if (python_type == "SecurityError") return ErrorKind::kSecurity;
  if (python_type == "UndefinedError") return ErrorKind::kUndefined;
  if (python_type == "TemplateSyntaxError" || python_type == "TemplateAssertionError" ||
      python_type == "SyntaxError") {
    return ErrorKind::kSyntax;
  }
  if (python_type == "TemplateRuntimeError" || python_type == "FilterArgumentError") {
    return ErrorKind::kRuntime;
  }
  if (python_type == "RecursionError") return ErrorKind::kLimit;
  return ErrorKind::kType;  // TypeError, ValueError, ZeroDivisionError, OverflowError, ...
}

std::vector<nlohmann::ordered_json> run_oracle(const std::string& cases) {
  const std::string out = ::testing::TempDir() + "oracle_" + cases + ".jsonl";
  const std::string cmd = "/usr/bin/python3 '" + kDir + "/render_oracle.py' '" + kDir + "/cases/" +
                          cases + ".txt' '" + out + "'";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(status, 0) << "the Python Jinja2 oracle failed (is python3-jinja2 installed?): " << cmd;
  std::vector<nlohmann::ordered_json> recs;
  std::ifstream in(out);
  std::string line;
  while (std::getline(in, line)) recs.push_back(nlohmann::ordered_json::parse(line));
  return recs;
}

class OracleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(OracleTest, MatchesPythonJinja2) {
  const auto recs = run_oracle(GetParam());
  ASSERT_FALSE(recs.empty());
  int passed = 0;
  for (const auto& rec : recs) {
    const std::string name = rec["name"].get<std::string>();
    const std::string source = rec["template"].get<std::string>();
    RenderOptions opts;
    opts.now = rec["now"].get<std::string>();
    const std::string where = name + "\n  template: " + nlohmann::json(source).dump();
    try {
      const std::string got = render(source, rec["vars"], opts);
      if (rec.contains("error")) {
        ADD_FAILURE() << where << "\n  rendered " << nlohmann::json(got).dump()
                      << " but Jinja2 raised " << rec["error_type"] << ": " << rec["error"];
      } else if (got != rec["rendered"].get<std::string>()) {
        ADD_FAILURE() << where << "\n  want: " << rec["rendered"].dump()
                      << "\n  got:  " << nlohmann::json(got).dump();
      } else {
        ++passed;
      }
    } catch (const TemplateError& e) {
      if (!rec.contains("error")) {
        ADD_FAILURE() << where << "\n  raised " << error_kind_name(e.kind()) << ": " << e.what()
                      << "\n  want: " << rec["rendered"].dump();
        continue;
      }
      const std::string type = rec["error_type"].get<std::string>();
      if (e.kind() != kind_of(type)) {
        ADD_FAILURE() << where << "\n  raised " << error_kind_name(e.kind()) << ": " << e.what()
                      << "\n  but Jinja2 raised " << type << ": " << rec["error"];
      } else if (type == "TemplateError" && e.message() != rec["error"].get<std::string>()) {
        ADD_FAILURE() << where << "\n  message " << e.message() << " != " << rec["error"];
      } else {
        ++passed;
      }
    }
  }
  std::printf("[oracle] %-12s %d/%zu cases match Python Jinja2\n", GetParam(), passed, recs.size());
}

INSTANTIATE_TEST_SUITE_P(Cases, OracleTest,
                         ::testing::Values("whitespace", "expressions", "values", "filters",
                                           "statements", "errors", "chat"));

}  // namespace
}  // namespace owl::tmpl
