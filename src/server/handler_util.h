// Plumbing shared by the generation endpoints: running a set of choices on the engine while
// watching the client, the in-flight slot guard, and JSON replies.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/engine.h"
#include "server/api/fields.h"
#include "server/generation.h"
#include "server/http/http_server.h"
#include "server/metrics.h"

namespace owl::server {

// Submits every request and feeds channel events to `on_event` (on this thread) until all
// choices finished. When the client disconnects (or a write to it fails), cancels them all and
// returns false. Throws ApiError(503) when the engine queue is full. After `timeout` (0: never)
// the choices still running are cancelled and finish as "length" (the answer was cut short).
bool run_choices(Engine& engine, std::vector<GenerationRequest> requests,
                 const std::shared_ptr<GenerationChannel>& channel, http::Responder& out,
                 const std::function<void(const ChoiceEvent&)>& on_event,
                 std::chrono::seconds timeout = std::chrono::seconds(0));

// The end of a generation response shared by the completion endpoints: a choice that failed
// (`error` non-null) becomes a 500, or an error event once streaming began; a stream gets its
// usage chunk (when asked) and [DONE]. Returns true when the response is complete.
bool end_failed_or_streamed(http::Responder& out, bool stream, const std::string* error,
                            bool include_usage, const Json& base, const Json& usage);

// "stop" / "length" for a finished choice (tool calls are decided by the caller).
std::string finish_reason(const ChoiceEvent& finished);

void send_json(http::Responder& out, int status, const Json& body);

class InflightGuard {
 public:
  explicit InflightGuard(Metrics& m) : m_(m) { m_.inflight_add(1); }
  ~InflightGuard() { m_.inflight_add(-1); }
  InflightGuard(const InflightGuard&) = delete;
  InflightGuard& operator=(const InflightGuard&) = delete;

 private:
  Metrics& m_;
};

}  // namespace owl::server
