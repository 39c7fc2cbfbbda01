// owl serve and owl chat as library calls over the fake engine: flags, serving until stopped,
// API key from the environment, a bad address; chat turns, history, /reset and /exit.
#include "server/commands.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "server/fake_engine.h"
#include "server/jinja_renderer.h"
#include "server/test_http_client.h"

namespace owl::testing {
namespace {

TEST(ServeCommand, FlagsParse) {
  server::ServeOptions o;
  CLI::App app;
  server::add_serve_flags(app, o);
  const char* argv[] = {"serve",     "--host", "0.0.0.0",    "--port",  "9000",
                        "--api-key", "k",      "--parallel", "4",       "--ctx",
                        "2048",      "-t",     "3",          "--alias", "m"};
  app.parse(15, const_cast<char**>(argv));
  EXPECT_EQ(o.host, "0.0.0.0");
  EXPECT_EQ(o.port, 9000);
  EXPECT_EQ(o.api_key, "k");
  EXPECT_EQ(o.parallel, 4);
  EXPECT_EQ(o.ctx, 2048);
  EXPECT_EQ(o.threads, 3);
  EXPECT_EQ(o.alias, "m");
}

TEST(ServeCommand, ServesUntilStoppedWithKeyFromEnvironment) {
  FakeEngine engine([](const std::string&) { return std::string("Hello"); });
  ::setenv("OWL_API_KEY", "env-key", 1);
  std::atomic<bool> stop{false};
  std::atomic<int> port{0};
  server::ServeOptions o;
  o.port = 0;
  o.stop = &stop;
  o.on_listening = [&](int p) { port = p; };
  int rc = -1;
  std::thread t([&] { rc = server::run_serve_command(engine, o); });
  while (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::string body =
      R"({"model": "fake-model", "messages": [{"role": "user", "content": "hi"}]})";
  EXPECT_EQ(http_request(port, "POST", "/v1/chat/completions", body).status, 401);
  const auto ok =
      http_request(port, "POST", "/v1/chat/completions", body, "Authorization: Bearer env-key\r\n");
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("\"Hello\""), std::string::npos);
  stop = true;
  t.join();
  EXPECT_EQ(rc, 0);
  ::unsetenv("OWL_API_KEY");
}

TEST(ServeCommand, BadAddressExits2) {
  FakeEngine engine([](const std::string&) { return std::string(); });
  server::ServeOptions o;
  o.host = "203.0.113.77";  // TEST-NET-3: not an address of this machine
  o.port = 0;
  EXPECT_EQ(server::run_serve_command(engine, o), 2);
}

TEST(ChatCommand, TurnsHistoryResetExit) {
  FakeEngine engine(
      [](const std::string& prompt) {
        return prompt.find("second") != std::string::npos
                   ? std::string("Answer two.")
                   : std::string("<think>\nhmm\n</think>\n\nAnswer one.");
      },
      nlohmann::json::parse(read_all(std::string(OWL_SHARED_DIR) +
                                     "/tokenizers/qwen3/tokenizer_config.json"))["chat_template"]);
  server::ChatOptions o;
  o.renderer = render_with_jinja2;
  o.system = "Be terse.";
  std::istringstream in("first\nsecond\n/reset\nthird\n/exit\nnever\n");
  std::ostringstream out;
  EXPECT_EQ(server::run_chat_command(engine, o, in, out), 0);
  const std::string text = out.str();
  EXPECT_NE(text.find("hmm"), std::string::npos);
  EXPECT_NE(text.find("Answer one."), std::string::npos);
  EXPECT_NE(text.find("Answer two."), std::string::npos);
  ASSERT_EQ(engine.prompts.size(), 3u);
  // The second turn carries the first exchange (answer only, per the template); /reset drops it.
  EXPECT_NE(engine.prompts[1].find("<|im_start|>assistant\nAnswer one.<|im_end|>"),
            std::string::npos);
  EXPECT_NE(engine.prompts[1].find("Be terse."), std::string::npos);
  EXPECT_EQ(engine.prompts[2].find("first"), std::string::npos);
  EXPECT_NE(engine.prompts[2].find("Be terse."), std::string::npos);
}

}  // namespace
}  // namespace owl::testing
