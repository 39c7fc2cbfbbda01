// Writing a file all-or-nothing: bytes go to "<path>.tmp", renamed over <path> on commit().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace owl::formats {

// If commit() is never reached (an exception, a failed write), the destructor deletes the
// temporary file, so a failure never leaves a half-written file nor touches an existing one.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);  // throws owl::Error naming the path
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t n);
  void write_zeros(size_t n);
  // Bytes written so far.
  uint64_t size() const { return written_; }
  // Flushes, syncs and renames the temporary file to the final path.
  void commit();

  const std::string& path() const { return path_; }

 private:
  void flush_buffer();
  void write_fd(const uint8_t* data, size_t n);
  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
  std::vector<uint8_t> buf_;
  uint64_t written_ = 0;
};

}  // namespace owl::formats
