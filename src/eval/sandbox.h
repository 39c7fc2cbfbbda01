// Runs an untrusted Python program in a child process with time, memory, file-size and process
// limits, no network, a private temp dir as cwd/HOME/TMPDIR, and no inherited file descriptors.
#pragma once

#include <cstdint>
#include <string>

namespace owl::eval {

struct SandboxLimits {
  double timeout_s = 10.0;                  // wall clock; the whole process tree is killed
  int64_t memory_bytes = int64_t{1} << 30;  // RLIMIT_AS of each process
  int64_t file_bytes = int64_t{16} << 20;   // RLIMIT_FSIZE
  int max_processes = 64;                   // RLIMIT_NPROC (applies once we are not root)
  int max_open_files = 256;                 // RLIMIT_NOFILE
  std::string python = "/usr/bin/python3";  // the system (Debian) interpreter, run with -I -S -B
};

enum class SandboxStatus { kExited, kSignaled, kTimedOut, kFailedToStart };

struct SandboxResult {
  SandboxStatus status = SandboxStatus::kFailedToStart;
  int exit_code = -1;  // kExited
  int signal = 0;      // kSignaled
  double wall_s = 0.0;
  std::string stderr_tail;  // the last few KiB the program wrote to stderr
  std::string work_dir;     // the (already removed) temp dir, for diagnostics
  bool passed() const { return status == SandboxStatus::kExited && exit_code == 0; }
  std::string describe() const;  // "passed", "exit status 1: AssertionError", "timed out", ...
};

// What containment this process can set up; probed once (forks a child that tries unshare).
struct SandboxIsolation {
  bool network_namespace = false;   // no network at all (not even loopback)
  bool pid_namespace = false;       // the program is init of its own pid namespace: when it ends
                                    // or is killed, every process it started dies with it
  bool mount_namespace = false;     // /tmp, /var/tmp and /dev/shm are the private temp dir
  bool drops_privileges = false;    // running as root: the program runs as a uid/gid of its own
  bool python_socket_block = true;  // without a network namespace, socket creation raises
  std::string describe() const;
};
const SandboxIsolation& sandbox_isolation();

// Writes `program` to prog.py in a fresh temp dir, runs `python -I -S -B prog.py` there under the
// limits and removes the dir. Thread-safe; call from several threads to run programs in parallel.
// Throws owl::Error only when the sandbox itself cannot be set up (no temp dir, fork failed).
SandboxResult run_python_sandboxed(const std::string& program, const SandboxLimits& limits);

}  // namespace owl::eval
