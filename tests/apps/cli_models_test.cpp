// The command line on every architecture with a golden case: `owl info` describes the model and
// `owl run --ids ... --temp 0 --print-ids` prints llama.cpp's greedy continuation (the golden
// file's greedy_next); `owl chat` answers on stdin and honours /reset and /exit.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
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
  // The f16 KV cache keeps these greedy choices (their leads are far above its rounding).
  const OwlResult f16 = run_owl({"run", dir + "/model.gguf", "--ids", join(prompt, ","), "-n",
                                 std::to_string(greedy.size()), "--temp", "0", "--print-ids",
                                 "--ignore-eos", "--kv-type", "f16"});
  ASSERT_EQ(f16.exit_code, 0) << f16.err;
  EXPECT_EQ(f16.out, run.out);
}

INSTANTIATE_TEST_SUITE_P(Archs, GoldenCli,
                         ::testing::Values("llama", "qwen3", "qwen3moe", "deepseek2", "gpt-oss", "olmo2", "gemma3"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) ch = (ch == '-') ? '_' : ch;
                           return n;
                         });

// `owl bench --json`: the fields the speed issue names, medians within their ranges, one
// bandwidth probe before the generation runs and one after each, the roofline fraction of each
// run against the probes around it, and a peak RSS that leaves out the probe's 512 MiB buffer.
TEST(BenchCli, JsonReportIsConsistent) {
  const std::string model = kShared + "/golden/qwen3/model.gguf";
  const OwlResult r = run_owl({"bench", model, "-p", "8", "-n", "8", "-t", "2", "-r", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("model").get<std::string>(), model);
  EXPECT_EQ(j.at("threads").get<int>(), 2);
  EXPECT_EQ(j.at("kv_type").get<std::string>(), "f32");
  EXPECT_FALSE(j.at("type").get<std::string>().empty());
  const auto samples = j.at("bandwidth_samples").get<std::vector<double>>();
  ASSERT_EQ(samples.size(), 3u);
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_GT(sorted.front(), 0.0);
  const double bandwidth = j.at("bandwidth_gbs").get<double>();
  EXPECT_DOUBLE_EQ(bandwidth, sorted[1]);
  const double bytes = j.at("bytes_per_token").get<double>();
  EXPECT_GT(bytes, 0.0);
  EXPECT_LE(bytes, static_cast<double>(fs::file_size(model)));
  EXPECT_GT(j.at("load_s").get<double>(), 0.0);
  const double rss = j.at("peak_rss_mb").get<double>();
  EXPECT_GT(rss, 0.0);
  EXPECT_LT(rss, 500.0);
  const auto& tests = j.at("tests");
  ASSERT_EQ(tests.size(), 2u);
  EXPECT_EQ(tests[0].at("name"), "pp8");
  EXPECT_EQ(tests[1].at("name"), "tg8");
  EXPECT_FALSE(tests[0].contains("roofline_fraction"));
  for (const auto& t : tests) {
    EXPECT_EQ(t.at("n_tokens").get<int>(), 8);
    EXPECT_EQ(t.at("samples").size(), 2u);
    const double median = t.at("tokens_per_s").get<double>();
    EXPECT_GT(median, 0.0);
    EXPECT_LE(t.at("min").get<double>(), median);
    EXPECT_GE(t.at("max").get<double>(), median);
  }
  // Each generation run against the mean of the probes around it; the median of the two runs.
  const auto tg = tests[1].at("samples").get<std::vector<double>>();
  const double f0 = tg[0] * bytes / (0.5 * (samples[0] + samples[1]) * 1e9);
  const double f1 = tg[1] * bytes / (0.5 * (samples[1] + samples[2]) * 1e9);
  EXPECT_NEAR(tests[1].at("roofline_fraction").get<double>(), 0.5 * (f0 + f1), 1e-9);
}

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
