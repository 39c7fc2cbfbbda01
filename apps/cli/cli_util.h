// Helpers shared by the subcommands: id lists, thread counts, UTF-8 safe streaming.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace owl::cli {

// "1,2,3" (spaces allowed) -> ids; owl::Error naming the bad entry.
std::vector<int32_t> parse_ids(const std::string& text);
std::string join_ids(const std::vector<int32_t>& ids);

// Collects bytes and releases only complete UTF-8 sequences (invalid bytes pass through).
class Utf8Stream {
 public:
  std::string push(const std::string& bytes);
  std::string flush();

 private:
  std::string pending_;
};

}  // namespace owl::cli
