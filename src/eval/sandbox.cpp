// Process sandbox for code verification. Between fork() and execve() the children call only
// async-signal-safe system calls (the parent may be multi-threaded); everything they need
// (argv, envp, paths, messages) is prepared before the fork.
#include "eval/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include "base/error.h"

namespace owl::eval {

namespace {

// Code that runs in the child before execve. With clone(CLONE_VM) it shares the parent's memory,
// so it must not write ASan shadow (redzones) or run ASan's no-return hooks.
#if defined(__clang__) || defined(__GNUC__)
#define OWL_CHILD_CODE __attribute__((no_sanitize("address")))
#else
#define OWL_CHILD_CODE
#endif

// As root each run gets a uid (and gid) of its own from this range, owned by nobody else: the
// process limit (RLIMIT_NPROC, which execve also checks) then counts only that run's processes,
// so one run's fork bomb cannot starve a parallel run, and the program owns no files.
constexpr uint32_t kSandboxUidBase = 1'500'000'000;
constexpr uint32_t kSandboxUidRange = 100'000'000;
std::atomic<uint32_t> g_uid_counter{0};

uid_t next_sandbox_uid() {
  const uint64_t mix = static_cast<uint64_t>(getpid()) * 1'000'003u + g_uid_counter++;
  return static_cast<uid_t>(kSandboxUidBase + mix % kSandboxUidRange);
}
constexpr size_t kStderrKeep = 4096;

// Python-level network block used when no network namespace is available.
constexpr const char* kSocketBlock =
    "import socket as _owl_socket\n"
    "def _owl_no_network(*args, **kwargs):\n"
    "    raise OSError('network access is disabled in the owl eval sandbox')\n"
    "_owl_socket.socket = _owl_no_network\n"
    "_owl_socket.create_connection = _owl_no_network\n"
    "_owl_socket.getaddrinfo = _owl_no_network\n"
    "del _owl_socket, _owl_no_network\n";

[[noreturn]] OWL_CHILD_CODE void child_fail(const char* message, int code) {
  // write(2) is async-signal-safe; fd 2 is the stderr pipe by the time this is used.
  const ssize_t ignored = write(2, message, std::strlen(message));
  (void)ignored;
  _exit(code);
}

OWL_CHILD_CODE void set_limit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl;
  rl.rlim_cur = soft;
  rl.rlim_max = hard;
  setrlimit(resource, &rl);
}

OWL_CHILD_CODE void close_fds_from(int first) {
#ifdef SYS_close_range
  if (syscall(SYS_close_range, first, ~0U, 0) == 0) return;
#endif
  struct rlimit rl;
  rlim_t max_fd = 4096;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) max_fd = rl.rlim_cur;
  for (rlim_t fd = static_cast<rlim_t>(first); fd < max_fd; ++fd) close(static_cast<int>(fd));
}

// Everything the child needs, built before fork().
struct ChildPlan {
  int unshare_flags = 0;
  bool fork_init = false;         // pid namespace: fork once more so the program is its pid 1
  bool clone_namespaces = false;  // root: clone() straight into new namespaces (no second fork)
  bool mount_private_tmp = false;
  bool mount_proc = false;
  bool drop_privileges = false;
  uid_t uid = 0;  // drop_privileges: the run's own uid and gid
  int null_fd = -1;
  int stderr_fd = -1;
  std::string work_dir;
  std::vector<std::string> argv_outside, argv_inside, env_outside, env_inside;
  std::vector<char*> argv_outside_p, argv_inside_p, env_outside_p, env_inside_p;
  rlim_t memory = 0, file_size = 0, cpu_s = 0, nproc = 0, nofile = 0;
};

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The program side of the child: limits, namespaces' mounts, credentials, exec. Never returns.
[[noreturn]] OWL_CHILD_CODE void exec_program(const ChildPlan& plan) {
  if (dup2(plan.null_fd, 0) < 0 || dup2(plan.null_fd, 1) < 0 || dup2(plan.stderr_fd, 2) < 0) {
    _exit(121);
  }
  close_fds_from(3);
  bool inside = false;
  if (plan.mount_private_tmp && mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
      mount(plan.work_dir.c_str(), "/tmp", nullptr, MS_BIND, nullptr) == 0) {
    inside = true;
    mount(plan.work_dir.c_str(), "/var/tmp", nullptr, MS_BIND, nullptr);
    mount(plan.work_dir.c_str(), "/dev/shm", nullptr, MS_BIND, nullptr);
    if (plan.mount_proc) mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  }
  if (chdir(inside ? "/tmp" : plan.work_dir.c_str()) != 0) child_fail("owl sandbox: chdir\n", 122);
  set_limit(RLIMIT_AS, plan.memory, plan.memory);
  set_limit(RLIMIT_FSIZE, plan.file_size, plan.file_size);
  set_limit(RLIMIT_CPU, plan.cpu_s, plan.cpu_s + 1);
  set_limit(RLIMIT_NPROC, plan.nproc, plan.nproc);
  set_limit(RLIMIT_NOFILE, plan.nofile, plan.nofile);
  set_limit(RLIMIT_CORE, 0, 0);
  if (plan.drop_privileges) {
    // Raw system calls: glibc's setuid() would try to change every thread of the process, and a
    // clone(CLONE_VM) child shares the parent's thread list.
    if (syscall(SYS_setgroups, 0, nullptr) != 0 ||
        syscall(SYS_setresgid, plan.uid, plan.uid, plan.uid) != 0 ||
        syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
      child_fail("owl sandbox: cannot drop privileges\n", 123);
    }
  }
  // After the credential change (which clears it): die with our parent.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  const auto& argv = inside ? plan.argv_inside_p : plan.argv_outside_p;
  const auto& envp = inside ? plan.env_inside_p : plan.env_outside_p;
  execve(argv[0], argv.data(), envp.data());
  // Name the errno without formatting functions (not async-signal-safe): "errno 11\n".
  char msg[] = "owl sandbox: cannot execute the python interpreter: errno 000\n";
  const int e = errno;
  msg[sizeof msg - 5] = static_cast<char>('0' + (e / 100) % 10);
  msg[sizeof msg - 4] = static_cast<char>('0' + (e / 10) % 10);
  msg[sizeof msg - 3] = static_cast<char>('0' + e % 10);
  child_fail(msg, 127);
}

[[noreturn]] OWL_CHILD_CODE void run_child(const ChildPlan& plan) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  setpgid(0, 0);
  if (plan.unshare_flags != 0 && unshare(plan.unshare_flags) != 0) {
    if (dup2(plan.stderr_fd, 2) >= 0) child_fail("owl sandbox: unshare failed\n", 124);
    _exit(124);
  }
  if (!plan.fork_init) exec_program(plan);
  const pid_t init = fork();
  if (init < 0) _exit(125);
  if (init == 0) exec_program(plan);
  // Stay as the waiter so the parent sees the program's exit status; dying (killed on timeout)
  // takes the namespace's init, and with it every process the program started.
  int status = 0;
  while (waitpid(init, &status, 0) < 0) {
    if (errno != EINTR) _exit(125);
  }
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  _exit(128 + WTERMSIG(status));
}

// Entry of the clone(CLONE_VM | CLONE_VFORK | CLONE_NEW*) child, already pid 1 of its namespaces.
OWL_CHILD_CODE int clone_entry(void* arg) {
  const ChildPlan& plan = *static_cast<const ChildPlan*>(arg);
  setpgid(0, 0);
  exec_program(plan);
}

// Starts the child. As root: one clone() that shares our memory until execve (no page-table copy,
// which matters for big processes such as ASan builds) and creates the namespaces, so the program
// itself is the pid namespace's init. Otherwise fork(), and run_child() sets things up.
pid_t spawn_child(const ChildPlan& plan) {
  if (!plan.clone_namespaces) {
    const pid_t pid = fork();
    if (pid == 0) run_child(plan);
    return pid;
  }
  constexpr size_t kStack = 256 * 1024;
  void* stack =
      mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  const int flags = CLONE_VM | CLONE_VFORK | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | SIGCHLD;
  const pid_t pid =
      clone(clone_entry, static_cast<char*>(stack) + kStack, flags, const_cast<ChildPlan*>(&plan));
  const int saved = errno;
  munmap(stack, kStack);  // CLONE_VFORK: the child has exec'd or exited by now
  errno = saved;
  return pid;
}

SandboxIsolation probe_isolation() {
  SandboxIsolation iso;
  const bool root = geteuid() == 0;
  const int base = CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS;
  const int flags = root ? base : (base | CLONE_NEWUSER);
  const pid_t pid = fork();
  if (pid < 0) return iso;
  if (pid == 0) _exit(unshare(flags) == 0 ? 0 : 1);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    iso.network_namespace = iso.pid_namespace = iso.mount_namespace = true;
    iso.python_socket_block = false;
  }
  iso.drops_privileges = root;
  return iso;
}

// Removes the temp dir even when the program made parts of it unreadable.
void remove_tree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!ec) return;
  for (auto it = std::filesystem::recursive_directory_iterator(
           dir, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) chmod(it->path().c_str(), 0700);
  }
  chmod(dir.c_str(), 0700);
  std::filesystem::remove_all(dir, ec);
}

std::string make_work_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/owl-eval-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    fail("eval sandbox: cannot create a temp dir from {}: {}", pattern, std::strerror(errno));
  }
  return pattern;
}

ChildPlan make_plan(const SandboxLimits& limits, const SandboxIsolation& iso,
                    const std::string& work_dir) {
  ChildPlan plan;
  plan.work_dir = work_dir;
  if (iso.network_namespace) {
    plan.mount_private_tmp = plan.mount_proc = true;
    if (iso.drops_privileges) {
      plan.clone_namespaces = true;
    } else {
      plan.unshare_flags = CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUSER;
      plan.fork_init = true;
    }
  }
  plan.drop_privileges = iso.drops_privileges;
  if (plan.drop_privileges) plan.uid = next_sandbox_uid();
  auto argv_for = [&](const std::string& dir) {
    return std::vector<std::string>{limits.python, "-I", "-S", "-B", dir + "/prog.py"};
  };
  auto env_for = [&](const std::string& dir) {
    return std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=" + dir, "TMPDIR=" + dir,
                                    "LANG=C.UTF-8"};
  };
  plan.argv_outside = argv_for(work_dir);
  plan.argv_inside = argv_for("/tmp");
  plan.env_outside = env_for(work_dir);
  plan.env_inside = env_for("/tmp");
  plan.argv_outside_p = pointers(plan.argv_outside);
  plan.argv_inside_p = pointers(plan.argv_inside);
  plan.env_outside_p = pointers(plan.env_outside);
  plan.env_inside_p = pointers(plan.env_inside);
  plan.memory = static_cast<rlim_t>(limits.memory_bytes);
  plan.file_size = static_cast<rlim_t>(limits.file_bytes);
  plan.cpu_s = static_cast<rlim_t>(std::ceil(limits.timeout_s)) + 1;
  plan.nproc = static_cast<rlim_t>(limits.max_processes);
  plan.nofile = static_cast<rlim_t>(limits.max_open_files);
  return plan;
}

void keep_tail(std::string& tail, const char* data, size_t n) {
  tail.append(data, n);
  if (tail.size() > 2 * kStderrKeep) tail.erase(0, tail.size() - kStderrKeep);
}

void drain(int fd, std::string& tail) {
  char buf[4096];
  while (true) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    keep_tail(tail, buf, static_cast<size_t>(n));
  }
}

// Waits for the child, collecting stderr, killing the process group at the deadline.
void wait_child(pid_t pid, int err_fd, double timeout_s, bool via_waiter, SandboxResult& result) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(timeout_s);
#ifdef SYS_pidfd_open
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  const int pidfd = -1;
#endif
  int status = 0;
  int open_err_fd = err_fd;  // -1 once every writer has closed the pipe
  while (true) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    const auto now = Clock::now();
    if (now >= deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      result.status = SandboxStatus::kTimedOut;
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    struct pollfd fds[2] = {{open_err_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    // Without a pidfd, wake up every 5 ms to look at the child.
    const int wait_ms = pidfd >= 0 ? static_cast<int>(left.count()) + 1
                                   : std::min<int>(5, static_cast<int>(left.count()) + 1);
    if (poll(fds, 2, wait_ms) > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buf[4096];
      const ssize_t n = read(err_fd, buf, sizeof buf);
      if (n > 0) {
        keep_tail(result.stderr_tail, buf, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        open_err_fd = -1;
      }
    }
  }
  // Anything the program left behind in its process group goes too.
  kill(-pid, SIGKILL);
  if (pidfd >= 0) close(pidfd);
  result.wall_s = std::chrono::duration<double>(Clock::now() - start).count();
  drain(err_fd, result.stderr_tail);
  if (result.stderr_tail.size() > kStderrKeep) {
    result.stderr_tail.erase(0, result.stderr_tail.size() - kStderrKeep);
  }
  if (result.status == SandboxStatus::kTimedOut) return;
  if (WIFEXITED(status)) {
    result.status = SandboxStatus::kExited;
    result.exit_code = WEXITSTATUS(status);
    // The pid-namespace waiter reports a signal as 128+n.
    if (via_waiter && result.exit_code > 128 && result.exit_code < 128 + 65) {
      result.status = SandboxStatus::kSignaled;
      result.signal = result.exit_code - 128;
    }
  } else if (WIFSIGNALED(status)) {
    result.status = SandboxStatus::kSignaled;
    result.signal = WTERMSIG(status);
  }
}

}  // namespace

std::string SandboxResult::describe() const {
  // The last line of stderr usually names the exception ("AssertionError", "NameError: ...").
  std::string last;
  {
    std::string t = stderr_tail;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    const size_t nl = t.rfind('\n');
    last = nl == std::string::npos ? t : t.substr(nl + 1);
    if (last.size() > 200) last = last.substr(0, 200) + "...";
  }
  switch (status) {
    case SandboxStatus::kExited:
      if (exit_code == 0) return "passed";
      return "exit status " + std::to_string(exit_code) + (last.empty() ? "" : ": " + last);
    case SandboxStatus::kSignaled:
      return "killed by signal " + std::to_string(signal) + (last.empty() ? "" : ": " + last);
    case SandboxStatus::kTimedOut:
      return "timed out";
    case SandboxStatus::kFailedToStart:
      return "failed to start";
  }
  return "?";
}

std::string SandboxIsolation::describe() const {
  std::string s;
  auto add = [&](bool on, const char* what) {
    if (!on) return;
    if (!s.empty()) s += ", ";
    s += what;
  };
  add(network_namespace, "network namespace (no network)");
  add(pid_namespace, "pid namespace");
  add(mount_namespace, "private /tmp");
  add(drops_privileges, "a uid of its own (not root)");
  add(python_socket_block, "python socket block (no network namespace)");
  if (!s.empty()) s += ", ";
  return s + "rlimits (address space, cpu, file size, processes, open files), own process group";
}

const SandboxIsolation& sandbox_isolation() {
  static std::once_flag once;
  static SandboxIsolation iso;
  std::call_once(once, [] { iso = probe_isolation(); });
  return iso;
}

SandboxResult run_python_sandboxed(const std::string& program, const SandboxLimits& limits) {
  const SandboxIsolation& iso = sandbox_isolation();
  SandboxResult result;
  result.work_dir = make_work_dir();
  struct Cleanup {
    std::string dir;
    ~Cleanup() { remove_tree(dir); }
  } cleanup{result.work_dir};
  {
    std::ofstream prog(result.work_dir + "/prog.py", std::ios::binary);
    if (iso.python_socket_block) prog << kSocketBlock;
    prog << program;
    if (!prog.flush()) fail("eval sandbox: cannot write {}/prog.py", result.work_dir);
  }
  chmod((result.work_dir + "/prog.py").c_str(), 0644);
  ChildPlan plan = make_plan(limits, iso, result.work_dir);
  if (plan.drop_privileges && chown(result.work_dir.c_str(), plan.uid, plan.uid) != 0) {
    fail("eval sandbox: cannot chown {}: {}", result.work_dir, std::strerror(errno));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) fail("eval sandbox: pipe: {}", std::strerror(errno));
  plan.stderr_fd = pipe_fds[1];
  plan.null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  const pid_t pid = plan.null_fd < 0 ? -1 : spawn_child(plan);
  const int fork_errno = errno;
  close(pipe_fds[1]);
  if (plan.null_fd >= 0) close(plan.null_fd);
  if (pid < 0) {
    close(pipe_fds[0]);
    fail("eval sandbox: cannot start a process: {}", std::strerror(fork_errno));
  }
  setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
  fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  wait_child(pid, pipe_fds[0], limits.timeout_s, plan.fork_init, result);
  close(pipe_fds[0]);
  return result;
}

}  // namespace owl::eval
