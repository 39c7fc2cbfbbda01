// All-or-nothing file writes through a temporary file and rename(2).
#include "formats/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace owl::formats {

namespace {
constexpr size_t kBufferBytes = size_t{1} << 20;
}

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), tmp_path_(path_ + ".tmp") {
  fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("{}: cannot create {}: {}", path_, tmp_path_, std::strerror(errno));
  buf_.reserve(kBufferBytes);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_path_.c_str());
  }
}

void AtomicFileWriter::write_fd(const uint8_t* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("{}: write failed: {}", tmp_path_, std::strerror(errno));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
}

void AtomicFileWriter::flush_buffer() {
  write_fd(buf_.data(), buf_.size());
  buf_.clear();
}

void AtomicFileWriter::write(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  written_ += n;
  if (buf_.size() + n <= kBufferBytes) {
    buf_.insert(buf_.end(), p, p + n);
    return;
  }
  flush_buffer();
  if (n >= kBufferBytes) {
    write_fd(p, n);
  } else {
    buf_.insert(buf_.end(), p, p + n);
  }
}

void AtomicFileWriter::write_zeros(size_t n) {
  static const uint8_t kZeros[256] = {};
  while (n > 0) {
    size_t k = std::min(n, sizeof(kZeros));
    write(kZeros, k);
    n -= k;
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) fail("{}: already committed", path_);
  flush_buffer();
  if (::fsync(fd_) != 0) fail("{}: fsync failed: {}", tmp_path_, std::strerror(errno));
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp_path_.c_str());
    fail("{}: close failed: {}", tmp_path_, std::strerror(e));
  }
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp_path_.c_str());
    fail("{}: cannot rename {} to it: {}", path_, tmp_path_, std::strerror(e));
  }
}

}  // namespace owl::formats
