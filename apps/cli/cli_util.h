// Helpers shared by the subcommands: id lists, thread counts, UTF-8 safe streaming.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace CLI {
class App;
}  // namespace CLI

namespace owl::cli {

// Registers --kv-type f32|f16 (a parse error names any other value).
void add_kv_type_flag(CLI::App& app, std::string& value);
// The DType of a --kv-type value checked by add_kv_type_flag.
DType kv_type_from_flag(const std::string& value);

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
