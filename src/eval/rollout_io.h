// The rollouts file: one JSON object per line {"id", "sample", "prompt", "completion",
// "extracted", "reward", "prompt_tokens", "completion_tokens", "finish_reason"} (plus "detail"
// when the verifier has something to say), written and flushed line by line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace owl::eval {

struct Rollout {
  std::string id;
  int sample = 0;
  std::string prompt;
  std::string completion;
  std::string extracted;
  double reward = 0.0;
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  std::string finish_reason;  // "stop", "length", "cancelled", "error"
  std::string detail;
  size_t line = 0;  // where it was read from (read_rollouts), for error messages
};

std::string rollout_json_line(const Rollout& r);  // one line, ending in '\n'

// Appends lines to a file; each write is flushed to the OS before it returns.
class RolloutWriter {
 public:
  // truncate_to >= 0 cuts the file to that many bytes first (drops a partial last line).
  RolloutWriter(const std::string& path, bool append, int64_t truncate_to = -1);
  ~RolloutWriter();
  RolloutWriter(const RolloutWriter&) = delete;
  RolloutWriter& operator=(const RolloutWriter&) = delete;
  void write(const Rollout& r);
  void write_raw(const std::string& text);  // e.g. the '\n' a cut-off file is missing

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

struct RolloutFile {
  std::vector<Rollout> rows;
  int64_t valid_bytes = 0;       // length of the complete, parsed lines
  bool dropped_partial = false;  // the last line was cut off (a killed run) and is ignored
  bool needs_newline = false;    // the last complete object has no '\n' after it
};

// Reads a rollouts file. Only "id", "sample" and "completion" are required; other fields keep
// their defaults when absent. A last line without '\n' that does not parse is dropped (a run
// killed mid-write); any other bad line is an owl::Error naming the file and line.
RolloutFile read_rollouts(const std::string& path);

}  // namespace owl::eval
