// Tests the code verifier and its sandbox with honest and adversarial programs.
#include "eval/code_check.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace owl::eval {
namespace {

SandboxLimits quick_limits() {
  SandboxLimits l;
  l.timeout_s = 2.0;
  return l;
}

CodeTests asserts(const std::string& test) {
  CodeTests t;
  t.style = CodeTests::Style::kAsserts;
  t.entry_point = "add";
  t.test = test;
  return t;
}

TEST(CodeExtract, Fences) {
  EXPECT_EQ(extract_code("def f():\n  return 1\n", "f"), "def f():\n  return 1\n");
  EXPECT_EQ(extract_code("Here:\n```python\ndef f():\n    return 1\n```\nDone.", "f"),
            "def f():\n    return 1\n");
  EXPECT_EQ(extract_code("```\nprint(1)\n```\n```python\ndef g(): pass\n```", "f"),
            "def g(): pass\n");
  EXPECT_EQ(extract_code("```python\nx = 1\n```\n```python\ndef f(): pass\n```", "f"),
            "def f(): pass\n");
  EXPECT_EQ(extract_code("```python\ndef f():\n    return", "f"), "def f():\n    return");
  EXPECT_TRUE(defines_function("import os\ndef f(x):\n", "f"));
  EXPECT_FALSE(defines_function("    def f(x):\n", "f"));
  EXPECT_FALSE(defines_function("def ff(x):\n", "f"));
}

TEST(CodeProgram, HumanEvalLayout) {
  CodeTests t;
  t.style = CodeTests::Style::kHumanEval;
  t.prompt = "def inc(x):\n    \"\"\"Add one.\"\"\"\n";
  t.entry_point = "inc";
  t.test = "def check(candidate):\n    assert candidate(1) == 2\n";
  EXPECT_EQ(build_test_program(t, "    return x + 1\n"),
            t.prompt + "    return x + 1\n" + "\n" + t.test + "\ncheck(inc)\n");
  const std::string full = "def inc(x):\n    return x + 1\n";
  EXPECT_EQ(build_test_program(t, full), t.prompt + "\n" + full + "\n" + t.test + "\ncheck(inc)\n");
  EXPECT_TRUE(verify_code("    return x + 1\n", t, quick_limits()).passed);
  EXPECT_TRUE(verify_code("```python\n" + full + "```", t, quick_limits()).passed);
  EXPECT_FALSE(verify_code("    return x + 2\n", t, quick_limits()).passed);
}

TEST(Sandbox, PassAndFail) {
  const auto ok = verify_code("def add(a, b):\n    return a + b\n",
                              asserts("assert add(2, 3) == 5"), quick_limits());
  EXPECT_TRUE(ok.passed) << ok.detail;
  EXPECT_EQ(ok.detail, "passed");
  const auto bad = verify_code("def add(a, b):\n    return a - b\n",
                               asserts("assert add(2, 3) == 5"), quick_limits());
  EXPECT_FALSE(bad.passed);
  EXPECT_NE(bad.detail.find("AssertionError"), std::string::npos) << bad.detail;
  const auto syntax =
      verify_code("def add(a, b) return\n", asserts("assert add(2, 3) == 5"), quick_limits());
  EXPECT_FALSE(syntax.passed);
  EXPECT_NE(syntax.detail.find("SyntaxError"), std::string::npos) << syntax.detail;
  EXPECT_FALSE(verify_code("", asserts("assert True"), quick_limits()).passed);
}

TEST(Sandbox, StderrOutputStillPasses) {
  const auto r = verify_code(
      "import sys\ndef add(a, b):\n    print('noise', file=sys.stderr)\n    print('out')\n"
      "    return a + b\n",
      asserts("assert add(1, 1) == 2"), quick_limits());
  EXPECT_TRUE(r.passed) << r.detail;
}

TEST(Sandbox, InfiniteLoopTimesOutQuickly) {
  SandboxLimits l = quick_limits();
  l.timeout_s = 1.0;
  const auto start = std::chrono::steady_clock::now();
  const auto r = verify_code("def add(a, b):\n    while True:\n        pass\n",
                             asserts("assert add(1, 1) == 2"), l);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.detail, "timed out");
  EXPECT_LT(s, 2.5);
}

TEST(Sandbox, HugeAllocationIsContained) {
  const auto r =
      run_python_sandboxed("x = bytearray(10 * 1024 ** 3)\nprint(len(x))\n", quick_limits());
  EXPECT_FALSE(r.passed());
  EXPECT_NE(r.stderr_tail.find("MemoryError"), std::string::npos) << r.describe();
}

TEST(Sandbox, FileSizeLimit) {
  SandboxLimits l = quick_limits();
  l.file_bytes = 1 << 20;
  const auto r =
      run_python_sandboxed("with open('big', 'wb') as f:\n    f.write(b'x' * (4 << 20))\n", l);
  EXPECT_FALSE(r.passed()) << r.describe();
}

TEST(Sandbox, TempDirIsCwdAndHomeAndIsRemoved) {
  const auto r = run_python_sandboxed(
      "import os\n"
      "open('here.txt', 'w').write('x')\n"
      "assert os.path.exists(os.path.join(os.environ['HOME'], 'here.txt'))\n"
      "assert os.environ['TMPDIR'] == os.environ['HOME']\n",
      quick_limits());
  EXPECT_TRUE(r.passed()) << r.describe();
  EXPECT_FALSE(std::filesystem::exists(r.work_dir));
}

TEST(Sandbox, NoInheritedDescriptors) {
  // An fd this process holds open (without O_CLOEXEC) must not be visible to the program.
  const int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(dup2(fd, 50), 50);
  const auto r = run_python_sandboxed(
      "import os\nfds = sorted(int(x) for x in os.listdir('/proc/self/fd'))\n"
      "assert 50 not in fds and all(f <= 3 for f in fds), fds\n",  // 0-2 and listdir's own
      quick_limits());
  ::close(50);
  ::close(fd);
  EXPECT_TRUE(r.passed()) << r.describe();
}

TEST(Sandbox, NoNetwork) {
  // A listener on this machine's loopback: reachable from any process that has network access.
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  const std::string program =
      "import socket\n"
      "try:\n"
      "    socket.create_connection(('127.0.0.1', " +
      std::to_string(port) +
      "), timeout=1)\n"
      "except OSError:\n"
      "    raise SystemExit(0)\n"
      "raise SystemExit(3)\n";
  const auto r = run_python_sandboxed(program, quick_limits());
  EXPECT_TRUE(r.passed()) << r.describe() << " isolation: " << sandbox_isolation().describe();
  // Control: the same program outside the sandbox does connect.
  const std::string control = std::string("/usr/bin/python3 -I -S -c \"") +
                              "import socket; socket.create_connection(('127.0.0.1', " +
                              std::to_string(port) + "), timeout=1)\"";
  EXPECT_EQ(std::system(control.c_str()), 0);
  ::close(listener);
}

TEST(Sandbox, WritingOutsideTheTempDirFails) {
  if (!sandbox_isolation().drops_privileges) {
    GTEST_SKIP() << "filesystem containment needs root (the program runs as an unprivileged uid); "
                 << sandbox_isolation().describe();
  }
  // A directory only we may write to, outside the sandbox's temp dir.
  char dir_template[] = "/tmp/owl-eval-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  chmod(dir.c_str(), 0755);
  const std::string target = dir + "/escaped.txt";
  const auto r = run_python_sandboxed("open('" + target + "', 'w').write('x')\n", quick_limits());
  EXPECT_FALSE(r.passed());
  EXPECT_FALSE(std::filesystem::exists(target));
  // /tmp itself is the program's own private dir: writes there do not reach the real /tmp.
  const std::string tmp_target = "/tmp/owl-eval-escape-" + std::to_string(getpid());
  const auto r2 =
      run_python_sandboxed("open('" + tmp_target + "', 'w').write('x')\n", quick_limits());
  EXPECT_FALSE(std::filesystem::exists(tmp_target)) << r2.describe();
  std::filesystem::remove_all(dir);
  std::filesystem::remove(tmp_target);
}

bool any_process_mentions(const std::string& text) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream f(entry.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmd.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(Sandbox, ForkBombIsContained) {
  SandboxLimits l = quick_limits();
  l.timeout_s = 1.5;
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_python_sandboxed(
      "import os, time\n"
      "while True:\n"
      "    try:\n"
      "        os.fork()\n"
      "    except OSError:\n"
      "        time.sleep(0.01)\n",
      l);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(r.passed());
  EXPECT_LT(s, 4.0);
  // Nothing the bomb started is still running (their command lines name the temp dir).
  usleep(200 * 1000);
  EXPECT_FALSE(any_process_mentions(r.work_dir.substr(r.work_dir.rfind('/') + 1)));
}

TEST(Sandbox, ForkBombDoesNotStarveParallelRuns) {
  // Each run has its own process budget: honest programs next to a fork bomb still pass.
  SandboxLimits bomb_limits = quick_limits();
  bomb_limits.timeout_s = 2.0;
  std::thread bomb([&] {
    run_python_sandboxed(
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n"
        "        pass\n",
        bomb_limits);
  });
  usleep(300 * 1000);
  // The bomb's processes take the CPU for its 2 s, so honest runs get a long timeout here.
  SandboxLimits honest = quick_limits();
  honest.timeout_s = 30.0;
  int passed = 0;
  for (int i = 0; i < 8; ++i) {
    const SandboxResult r = run_python_sandboxed("assert 2 + 2 == 4\n", honest);
    passed += r.passed();
    EXPECT_TRUE(r.passed()) << r.describe();
  }
  bomb.join();
  EXPECT_EQ(passed, 8);
}

TEST(Sandbox, EscapingTheProcessGroupDoesNotOutliveTheRun) {
  // A child that starts its own session is out of the process group; it must still die.
  const auto r = run_python_sandboxed(
      "import os, time\n"
      "if os.fork() == 0:\n"
      "    os.setsid()\n"
      "    time.sleep(30)\n"
      "    os._exit(0)\n",
      quick_limits());
  EXPECT_TRUE(r.passed()) << r.describe();
  usleep(200 * 1000);
  if (sandbox_isolation().pid_namespace) {
    EXPECT_FALSE(any_process_mentions(r.work_dir.substr(r.work_dir.rfind('/') + 1)));
  }
}

}  // namespace
}  // namespace owl::eval
