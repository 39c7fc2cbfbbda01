// Streaming text hygiene between tokens and clients: whole UTF-8 characters only, and stop
// strings matched on the text (also across token boundaries), never emitted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace owl::server {

// Releases the longest prefix that does not end inside a UTF-8 sequence.
class Utf8Assembler {
 public:
  std::string feed(std::string_view bytes);
  std::string flush();  // whatever is left (an incomplete sequence at the very end)

 private:
  std::string pending_;
};

// Holds back text that may be the start of a stop string; reports the first match.
class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}
  // Returns text safe to emit. When a stop string completes, `matched` is set and the text up to
  // (not including) it is returned; everything after is dropped.
  std::string feed(std::string_view text, bool& matched);
  std::string flush();

 private:
  std::vector<std::string> stops_;
  std::string pending_;
};

}  // namespace owl::server
