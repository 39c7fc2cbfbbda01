// The reference chat-template renderer for tests: Python's Jinja2 set up as Hugging Face
// transformers does (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols,
// json.dumps-based tojson, raise_exception, a fixed strftime_now clock). One python3 process
// serves all renders over pipes (length-prefixed JSON), templates compiled once.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "base/error.h"

namespace owl::testing {

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PythonJinja {
 public:
  static PythonJinja& instance() {
    static PythonJinja p;
    return p;
  }
  std::string render(const std::string& source, const nlohmann::ordered_json& vars) {
    std::lock_guard lock(mutex_);
    nlohmann::ordered_json req = {{"template", source}, {"vars", vars}};
    const std::string msg = req.dump();
    write_frame(msg);
    const nlohmann::json reply = nlohmann::json::parse(read_frame());
    if (reply.contains("error")) throw Error("chat template: " + reply["error"].get<std::string>());
    return reply["text"].get<std::string>();
  }

 private:
  PythonJinja() {
    static const char* kScript = R"PY(
import json, sys, struct, datetime
import jinja2, jinja2.sandbox, jinja2.ext
def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)
def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)
env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                                   extensions=[jinja2.ext.loopcontrols])
env.filters['tojson'] = tojson
env.globals['raise_exception'] = raise_exception
env.globals['strftime_now'] = lambda fmt: datetime.datetime(2026, 3, 14, 15, 9, 26).strftime(fmt)
cache = {}
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    req = json.loads(inp.read(struct.unpack('<I', head)[0]).decode('utf-8'))
    try:
        src = req['template']
        if src not in cache:
            cache[src] = env.from_string(src)
        reply = {'text': cache[src].render(**req['vars'])}
    except Exception as e:
        reply = {'error': type(e).__name__ + ': ' + str(e)}
    data = json.dumps(reply).encode('utf-8')
    out.write(struct.pack('<I', len(data)) + data)
    out.flush()
)PY";
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw Error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::execlp("python3", "python3", "-c", kScript, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }
  ~PythonJinja() {
    ::close(in_);
    ::close(out_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  void write_all(const char* p, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(in_, p, n);
      if (w <= 0) throw Error("renderer pipe closed");
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void write_frame(const std::string& s) {
    const uint32_t n = static_cast<uint32_t>(s.size());
    const char head[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                          static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
    write_all(head, 4);
    write_all(s.data(), s.size());
  }
  void read_exact(char* p, size_t n) {
    while (n > 0) {
      const ssize_t r = ::read(out_, p, n);
      if (r <= 0) throw Error("renderer process ended (is python3-jinja2 installed?)");
      p += r;
      n -= static_cast<size_t>(r);
    }
  }
  std::string read_frame() {
    unsigned char head[4];
    read_exact(reinterpret_cast<char*>(head), 4);
    const uint32_t n =
        head[0] | (head[1] << 8) | (head[2] << 16) | (static_cast<uint32_t>(head[3]) << 24);
    std::string s(n, '\0');
    read_exact(s.data(), n);
    return s;
  }

  std::mutex mutex_;
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
};

inline std::string render_with_jinja2(const std::string& source,
                                      const nlohmann::ordered_json& vars) {
  return PythonJinja::instance().render(source, vars);
}

}  // namespace owl::testing
