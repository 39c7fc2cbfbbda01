// End to end: a real model (stories260K, the one trained model in shared/ with a known greedy
// output) served by `owl serve` (the batching engine) in a child process, driven by
// the official OpenAI Node client (tests/server/e2e/*.mjs) and by curl: chat (plain, streamed),
// completions (greedy output checked against the reference sample), a tools round trip,
// json_schema output, errors, disconnects, and a 200-request load test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "e2e_process.h"

namespace owl::testing {
namespace {

const std::string kE2eDir = std::string(OWL_SOURCE_DIR) + "/tests/server/e2e";
const std::string kKey = "e2e-key";

class E2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServeProcess();
    const std::string models = std::string(OWL_SHARED_DIR) + "/models/stories260K/";
    ok_ = server_->start({OWL_BIN, "serve", models + "stories260K.bin", "--tokenizer", models + "tok512.bin",
                          "--alias", "stories", "--api-key", kKey, "--parallel", "16", "--ctx", "512", "-t", "2", "--port", "0"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(ok_) << "the server did not start"; }
  static std::string base() { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  static bool have_client() { return std::filesystem::exists(kE2eDir + "/node_modules/openai/package.json"); }
  static ServeProcess* server_;
  static bool ok_;
};
ServeProcess* E2E::server_ = nullptr;
bool E2E::ok_ = false;

TEST_F(E2E, OpenAINodeClient) {
  if (!have_client()) GTEST_SKIP() << "run tests/server/e2e/install.sh (npm) to install the OpenAI client";
  std::string out;
  const int rc = run("cd " + kE2eDir + " && node openai_client.mjs " + base() + "/v1 " + kKey + " stories 2>&1", out);
  std::printf("%s", out.c_str());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.find("\"ok\":false"), std::string::npos);
  EXPECT_GE(std::count(out.begin(), out.end(), '\n'), 11);
}

TEST_F(E2E, Curl) {
  std::string out;
  const std::string auth = " -H 'Authorization: Bearer " + kKey + "' -H 'Content-Type: application/json' ";
  auto curl_status = [&](const std::string& args) {
    run("curl -s -o /dev/null -w '%{http_code}' " + args, out);
    return out;
  };
  EXPECT_EQ(curl_status(auth + "-d '{bad json' " + base() + "/v1/chat/completions"), "400");
  EXPECT_EQ(curl_status(auth + "-d '{\"model\": \"nope\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}' " + base() +
                        "/v1/chat/completions"),
            "404");
  EXPECT_EQ(curl_status("-H 'Content-Type: application/json' -d '{\"model\": \"stories\", \"messages\": []}' " + base() +
                        "/v1/chat/completions"),
            "401");
  EXPECT_EQ(curl_status(base() + "/health"), "200");
  // Streaming with curl -N: SSE lines, then [DONE].
  ASSERT_EQ(run("curl -s -N" + auth + "-d '{\"model\": \"stories\", \"stream\": true, \"max_tokens\": 8, \"messages\": "
                "[{\"role\": \"user\", \"content\": \"Hi\"}]}' " + base() + "/v1/chat/completions", out),
            0);
  EXPECT_EQ(out.rfind("data: {", 0), 0u) << out;
  EXPECT_NE(out.find("\"finish_reason\":\"length\""), std::string::npos) << out;
  EXPECT_NE(out.find("data: [DONE]\n\n"), std::string::npos) << out;
  // Greedy completion from BOS: the published stories260K sample.
  ASSERT_EQ(run("curl -s" + auth + "-d '{\"model\": \"stories\", \"prompt\": \"\", \"max_tokens\": 16, \"temperature\": 0}' " +
                base() + "/v1/completions", out),
            0);
  EXPECT_NE(out.find("\"text\":\"Once upon a time, there was a little girl named Lily"), std::string::npos) << out;
  ASSERT_EQ(run("curl -s " + base() + "/metrics", out), 0);
  EXPECT_NE(out.find("owl_requests_total{endpoint=\"completions\",status=\"200\"}"), std::string::npos) << out;
}

TEST_F(E2E, LoadTest) {
  if (!have_client()) GTEST_SKIP() << "run tests/server/e2e/install.sh (npm) to install the OpenAI client";
  std::string out;
  const int rc = run("cd " + kE2eDir + " && node load.mjs " + base() + "/v1 " + kKey + " stories 64 2>&1", out);
  std::printf("%s", out.c_str());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("\"concurrency\":16,\"requests\":200,\"failures\":0"), std::string::npos) << out;
}

}  // namespace
}  // namespace owl::testing
