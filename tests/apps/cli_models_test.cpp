// The command line on every architecture with a golden case: `owl info` describes the model and
// `owl run --ids ... --temp 0 --print-ids` prints llama.cpp's greedy continuation (the golden
// file's greedy_next); `owl chat` answers on stdin and honours /reset and /exit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

#include "base/mapped_file.h"
#include "run_owl.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;

const std::string kShared = OWL_SHARED_DIR;

std::string join(const std::vector<int>& ids, const char* sep) {
  std::ostringstream s;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) s << sep;
    s << ids[i];
  }
  return s.str();
}

class GoldenCli : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCli, InfoAndGreedyRun) {
  const std::string dir = kShared + "/golden/" + GetParam();
  const nlohmann::json c = nlohmann::json::parse(read_file(dir + "/len7.json"));
  const OwlResult info = run_owl({"info", dir + "/model.gguf"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find(c.at("arch").get<std::string>()), std::string::npos) << info.out;

  const std::vector<int> prompt = c.at("tokens").get<std::vector<int>>();
  const std::vector<int> greedy = c.at("greedy_next").get<std::vector<int>>();
  const OwlResult run = run_owl({"run", dir + "/model.gguf", "--ids", join(prompt, ","), "-n",
                                 std::to_string(greedy.size()), "--temp", "0", "--print-ids", "--ignore-eos"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::istringstream in(run.out);
  std::vector<int> got;
  for (int id; in >> id;) got.push_back(id);
  EXPECT_EQ(got, greedy) << run.out;
}

INSTANTIATE_TEST_SUITE_P(Archs, GoldenCli,
                         ::testing::Values("llama", "qwen3", "qwen3moe", "deepseek2", "gpt-oss", "olmo2", "gemma3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = (ch == '-') ? '_' : ch;
                           return n;
                         });

TEST(ChatCli, AnswersAndHonoursResetAndExit) {
  const std::string m = kShared + "/models/stories260K/";
  const OwlResult r = run_owl({"chat", m + "stories260K.bin", "--tokenizer", m + "tok512.bin", "-n", "8", "--temp", "0"},
                              "Once upon a time\n/reset\nThe cat\n/exit\nnever read\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(conversation cleared)"), std::string::npos) << r.out;
  // A "> " prompt before each of the four lines up to /exit; nothing after /exit is read.
  size_t prompts = 0;
  for (size_t p = r.out.find("> "); p != std::string::npos; p = r.out.find("> ", p + 2)) ++prompts;
  EXPECT_GE(prompts, 4u) << r.out;
}

}  // namespace
}  // namespace owl::test
