// Every conversation in conversations.json through each of the 13 real chat templates in
// ../shared/tokenizers, compared with Python Jinja2 rendering them at test time (render_oracle.py
// --chat, transformers' variable passing). Broader than the shared vectors: other message shapes,
// tool schemas, flags and failure modes over the same templates.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "template/chat_template.h"

namespace owl::tmpl {
namespace {

const std::string kDir = std::string(OWL_SOURCE_DIR) + "/tests/template";

ErrorKind kind_of(const std::string& python_type) {
  if (python_type == "TemplateError") return ErrorKind::kRaise;
  if (python_type == "SecurityError") return ErrorKind::kSecurity;
  if (python_type == "UndefinedError") return ErrorKind::kUndefined;
  return ErrorKind::kType;
}

TEST(ConversationsTest, RealTemplatesMatchPythonJinja2) {
  const std::string out = ::testing::TempDir() + "oracle_conversations.jsonl";
  const std::string cmd = "/usr/bin/python3 '" + kDir + "/render_oracle.py' --chat '" +
                          std::string(OWL_SHARED_DIR) + "' '" + kDir + "/conversations.json' '" +
                          out + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0)
      << "the Python Jinja2 oracle failed (is python3-jinja2 installed?): " << cmd;
  std::ifstream in(out);
  std::string line;
  std::map<std::string, std::pair<int, int>> per_template;  // name -> (passed, total)
  std::map<std::string, ChatTemplateSource> sources;        // loaded once per file
  while (std::getline(in, line)) {
    const auto rec = nlohmann::ordered_json::parse(line);
    const std::string name = rec["template"].get<std::string>();
    const std::string where = name + " / " + rec["id"].get<std::string>();
    auto& [passed, total] = per_template[name];
    ++total;
    const auto& request = rec["request"];
    const std::string path =
        std::string(OWL_SHARED_DIR) + "/tokenizers/" + rec["source"].get<std::string>();
    if (!sources.count(path)) sources.emplace(path, ChatTemplateSource::load(path));
    const ChatTemplateSource& src = sources.at(path);
    try {
      const std::string got = render_request(src.select(!request["tools"].is_null()), request,
                                             std::nullopt, std::nullopt);
      if (rec.contains("error")) {
        ADD_FAILURE() << where << ": rendered but Jinja2 raised " << rec["error_type"] << ": "
                      << rec["error"];
      } else if (got != rec["rendered"].get<std::string>()) {
        ADD_FAILURE() << where << "\n  want: " << rec["rendered"].dump()
                      << "\n  got:  " << nlohmann::json(got).dump();
      } else {
        ++passed;
      }
    } catch (const TemplateError& e) {
      if (!rec.contains("error")) {
        ADD_FAILURE() << where << ": raised " << error_kind_name(e.kind()) << ": " << e.what();
      } else if (e.kind() != kind_of(rec["error_type"].get<std::string>())) {
        ADD_FAILURE() << where << ": raised " << error_kind_name(e.kind()) << ": " << e.what()
                      << " but Jinja2 raised " << rec["error_type"] << ": " << rec["error"];
      } else if (e.kind() == ErrorKind::kRaise && e.message() != rec["error"].get<std::string>()) {
        ADD_FAILURE() << where << ": message " << e.message() << " != " << rec["error"];
      } else {
        ++passed;
      }
    }
  }
  ASSERT_FALSE(per_template.empty());
  for (const auto& [name, counts] : per_template) {
    std::printf("[conversations] %-20s %d/%d\n", name.c_str(), counts.first, counts.second);
  }
}

}  // namespace
}  // namespace owl::tmpl
