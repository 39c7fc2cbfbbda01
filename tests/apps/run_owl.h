// Runs the built owl binary with arguments and captures its exit status and output.
#pragma once

#include <string>
#include <vector>

namespace owl::test {

struct OwlResult {
  int exit_code = -1;    // -1 if killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

OwlResult run_owl(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace owl::test
