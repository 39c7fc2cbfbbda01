// Test fixture: an OpenAIServer on a free port over a FakeEngine, plus request helpers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/fake_engine.h"
#include "server/openai_server.h"
#include "server/test_http_client.h"

namespace owl::testing {

using Json = nlohmann::ordered_json;

struct Reply {
  int status = 0;
  Json json;
  std::string body;
  std::map<std::string, std::string> headers;
};

// The "data:" payloads of an SSE body ("[DONE]" kept as a string).
inline std::vector<std::string> sse_events(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const size_t end = body.find("\n\n", pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void start(FakeEngine::Script script, std::string chat_template = "",
             server::ServerConfig config = {}, int32_t context = 4096) {
    engine_ = std::make_unique<FakeEngine>(std::move(script), std::move(chat_template), context);
    configure(*engine_);
    config.http.port = 0;
    server_ = std::make_unique<server::OpenAIServer>(*engine_, std::move(config));
    server_->start();
  }
  virtual void configure(FakeEngine&) {}
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    engine_.reset();
  }
  Reply post(const std::string& path, const Json& body, const std::string& headers = "") {
    return post_raw(path, body.dump(), headers);
  }
  Reply post_raw(const std::string& path, const std::string& body,
                 const std::string& headers = "") {
    return wrap(http_request(server_->port(), "POST", path, body, headers));
  }
  Reply get(const std::string& path, const std::string& headers = "") {
    return wrap(http_request(server_->port(), "GET", path, "", headers));
  }
  static Reply wrap(const HttpReply& r) {
    Reply out;
    out.status = r.status;
    out.body = r.body;
    out.headers = r.headers;
    out.json = Json::parse(r.body, nullptr, false);
    return out;
  }
  static Json chat(const std::string& user, Json extra = Json::object()) {
    Json body = {{"model", "fake-model"},
                 {"messages", Json::array({{{"role", "user"}, {"content", user}}})}};
    for (auto it = extra.begin(); it != extra.end(); ++it) body[it.key()] = it.value();
    return body;
  }
  std::unique_ptr<FakeEngine> engine_;
  std::unique_ptr<server::OpenAIServer> server_;
};

}  // namespace owl::testing
