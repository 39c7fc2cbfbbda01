// Helpers for the end-to-end server tests: run a shell command, and an `owl serve` child
// process whose port is read from its "listening on http://HOST:PORT/v1" line.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace owl::testing {

// Runs a shell command; returns its exit status and stdout.
inline int run(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ServeProcess {
 public:
  bool start(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) return false;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[256];
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      // "owl serve: listening on http://HOST:PORT/v1 ..."
      const char* url = std::strstr(line, "listening on http://");
      const char* colon = url != nullptr ? std::strchr(url + 20, ':') : nullptr;
      if (colon != nullptr && std::sscanf(colon + 1, "%d", &port_) == 1) break;
    }
    stdout_ = f;
    return port_ > 0;
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (stdout_ != nullptr) std::fclose(stdout_);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* stdout_ = nullptr;
};

}  // namespace owl::testing
