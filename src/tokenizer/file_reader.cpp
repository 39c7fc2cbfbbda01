// Reading tokenizer files, with transparent gzip decompression (tokenizer.json.gz).
#include <zlib.h>

#include "base/error.h"
#include "base/mapped_file.h"
#include "tokenizer/loaders.h"

namespace owl {

namespace {

std::string gunzip(const std::string& path, const uint8_t* data, size_t size) {
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and trailer (checked by zlib, CRC included).
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail("{}: zlib initialisation failed", path);
  std::string out;
  out.resize(size * 4 + 4096);
  zs.next_in = const_cast<Bytef*>(data);
  zs.avail_in = static_cast<uInt>(size);
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.total_out == out.size()) out.resize(out.size() * 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
    zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      fail("{}: truncated gzip data", path);
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      fail("{}: corrupt gzip data: {}", path, msg);
    }
  }
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

}  // namespace

std::string read_maybe_gzip(const std::string& path) {
  MappedFile f(path);
  const uint8_t* d = f.data();
  if (f.size() >= 2 && d[0] == 0x1F && d[1] == 0x8B) return gunzip(path, d, f.size());
  return std::string(reinterpret_cast<const char*>(d), f.size());
}

}  // namespace owl
