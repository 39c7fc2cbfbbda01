// Bad llama2.c checkpoints: wrong sizes and impossible headers.
#include <gtest/gtest.h>

#include "base/error.h"
#include "formats/llama2c.h"
#include "test_util.h"

namespace owl::llama2c {
namespace {

using test::expect_error;
using test::kShared;
using test::TempDir;

std::string header(std::vector<int32_t> h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size() * 4);
}

TEST(Llama2cErrors, WrongSize) {
  TempDir dir;
  std::string good = read_file(kShared + "/models/stories260K/stories260K.bin");
  std::string path = dir.file("s.bin");
  test::write_bytes(path, good.substr(0, good.size() - 4));
  expect_error([&] { Checkpoint::open(path); },
               {path + ": the file has 1056536 bytes", "dim 64", "has exactly 1056540"});
  test::write_bytes(path, good + "x");
  expect_error([&] { Checkpoint::open(path); }, {"the file has 1056541 bytes"});
  test::write_bytes(path, good.substr(0, 20));
  expect_error([&] { Checkpoint::open(path); },
               {"truncated: the 28-byte header ends at byte 24 but the file has 20 bytes"});
  // A negative vocab_size means a separate classifier: 512 * 64 more floats are expected.
  std::string sep = good;
  int32_t v = -512;
  std::memcpy(sep.data() + 20, &v, 4);
  test::write_bytes(path, sep);
  expect_error([&] { Checkpoint::open(path); }, {"separate classifier", "has exactly 1187612"});
}

TEST(Llama2cErrors, BadHeaders) {
  TempDir dir;
  std::string path = dir.file("h.bin");
  auto bad = [&](std::vector<int32_t> h, std::string part) {
    test::write_bytes(path, header(h) + std::string(64, '\0'));
    expect_error([&] { Checkpoint::open(path); }, {path + ": ", part});
  };
  bad({0, 1, 1, 1, 1, 1, 1}, "header has a size <= 0");
  bad({64, 172, 5, 8, 4, 512, -1}, "header has a size <= 0");
  bad({64, 172, 5, 8, 4, INT32_MIN, 512}, "header has a size <= 0");
  bad({64, 172, 5, 7, 7, 512, 512}, "heads do not divide the model");
  bad({64, 172, 5, 8, 3, 512, 512}, "heads do not divide the model");
  bad({64, 172, 5, 4, 8, 512, 512}, "heads do not divide the model");
  bad({48, 172, 5, 16, 16, 512, 512}, "heads do not divide the model");  // head_dim 3 is odd
  bad({0x616b3432, 1, 0, 0, 0, 0, 0}, "versioned llama2.c export");
  bad({0x46554747, 3, 0, 0, 0, 0, 0}, "a GGUF file, not a llama2.c checkpoint");
  // Sizes near INT32_MAX do not overflow the expected-size computation.
  bad({INT32_MAX - 3, INT32_MAX, INT32_MAX, 2, 2, INT32_MAX, INT32_MAX}, "has exactly");
}

}  // namespace
}  // namespace owl::llama2c
