// Bad safetensors input: truncations, bad headers, bad entries, random corruption.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "base/error.h"
#include "formats/safetensors.h"
#include "test_util.h"

namespace owl::safetensors {
namespace {

using test::expect_error;
using test::TempDir;

std::string le64(uint64_t n) { return std::string(reinterpret_cast<const char*>(&n), 8); }

class SafetensorsErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    Writer w;
    w.add_tensor("a", RawDType::kF32, {2, 3}, std::vector<uint8_t>(24, 1));
    w.add_tensor("b", RawDType::kBF16, {4}, std::vector<uint8_t>(8, 2));
    w.add_tensor("c", RawDType::kU8, {3}, std::vector<uint8_t>(3, 3));
    w.write(dir_.file("good.safetensors"));
    good_ = read_file(dir_.file("good.safetensors"));
  }
  // A file with the given JSON header and data bytes.
  std::string with_header(const std::string& json, size_t data_bytes = 64) {
    return le64(json.size()) + json + std::string(data_bytes, '\0');
  }
  void expect_bad(const std::string& bytes, std::initializer_list<std::string> parts) {
    std::string path = dir_.file("bad.safetensors");
    test::write_bytes(path, bytes);
    expect_error([&] { File::open(path); }, parts);
  }
  TempDir dir_;
  std::string good_;
};

TEST_F(SafetensorsErrors, EveryTruncation) {
  std::string path = dir_.file("cut.safetensors");
  for (size_t n = 0; n < good_.size(); ++n) {
    test::write_bytes(path, good_.substr(0, n));
    SCOPED_TRACE(n);
    expect_error([&] { File::open(path); }, {path + ": "});
  }
  expect_bad(good_.substr(0, 5), {"truncated: the 8-byte header length ends at byte 8"});
  expect_bad(good_.substr(0, good_.size() - 1), {"truncated: tensor c data ends at byte"});
}

TEST_F(SafetensorsErrors, Header) {
  expect_bad(le64(uint64_t{1} << 40) + "{}", {"header length 1099511627776 is over the 100 MB"});
  expect_bad(le64(100) + "{}", {"truncated: the 100-byte JSON header ends at byte 108"});
  expect_bad(with_header("{\"a\":"), {"bad.safetensors: the header is not valid JSON"});
  expect_bad(with_header("[1, 2]"), {"the header must be a JSON object, not array"});
  expect_bad(with_header("{\"x\": \"\xff\"}"), {"not valid JSON"});
  expect_bad(with_header(R"({"__metadata__": {"format": 1}})"),
             {"__metadata__ value of \"format\" must be a string"});
  expect_bad(with_header(R"({"__metadata__": []})"), {"__metadata__ must be an object"});
  expect_bad(with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                         R"( "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})"),
             {"the header names \"a\" twice"});
}

TEST_F(SafetensorsErrors, Entries) {
  auto entry = [&](const std::string& body) { return with_header("{\"t\": " + body + "}"); };
  expect_bad(entry("1"), {"tensor t: entry must be an object"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [1]})"), {"tensor t: needs \"dtype\""});
  expect_bad(entry(R"({"dtype": "F7", "shape": [1], "data_offsets": [0, 4]})"),
             {"tensor t: unknown dtype \"F7\"; supported: BOOL, U8", "F8_E4M3", "F64"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]})"),
             {"tensor t: shape must hold non-negative integers, found -1"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]})"),
             {"shape must hold non-negative integers"});
  expect_bad(entry(R"({"dtype": "F32", "shape": 3, "data_offsets": [0, 4]})"),
             {"shape must be an array"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [1], "data_offsets": [0]})"),
             {"data_offsets must be [begin, end]"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]})"),
             {"tensor t: data_offsets [0, 20] hold 20 bytes, but [2, 3] of F32 needs 24"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]})"),
             {"data_offsets [8, 0]"});
  expect_bad(entry(R"({"dtype": "F32", "shape": [16], "data_offsets": [32, 96]})"),
             {"truncated: tensor t data ends at byte"});
  expect_bad(entry(R"({"dtype": "F64", "shape": [4294967296, 4294967296],)"
                   R"( "data_offsets": [0, 8]})"),
             {"tensor t: shape has too many elements"});
  expect_bad(with_header(R"({"x": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},)"
                         R"( "y": {"dtype": "U8", "shape": [4], "data_offsets": [6, 10]}})"),
             {"tensors x and y overlap"});
  // Holes between tensors and zero-sized tensors are accepted.
  std::string path = dir_.file("ok.safetensors");
  test::write_bytes(
      path, with_header(R"({"x": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2]},)"
                        R"( "z": {"dtype": "U8", "shape": [0], "data_offsets": [1, 1]},)"
                        R"( "y": {"dtype": "U8", "shape": [4], "data_offsets": [6, 10]}})"));
  EXPECT_EQ(File::open(path)->tensors().size(), 3u);
}

TEST_F(SafetensorsErrors, RandomCorruption) {
  std::mt19937 rng(99);
  std::string path = dir_.file("rand.safetensors");
  uint64_t header_len;
  std::memcpy(&header_len, good_.data(), 8);
  const size_t header = 8 + static_cast<size_t>(header_len);
  int loaded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b = good_;
    int n = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) {
      size_t at = rng() % 8 ? rng() % header : rng() % b.size();
      const char kInteresting[] = "0123456789[]{}\",:-.e \xff";
      b[at] =
          rng() % 2 ? kInteresting[rng() % (sizeof(kInteresting) - 1)] : static_cast<char>(rng());
    }
    test::write_bytes(path, b);
    try {
      auto f = File::open(path);
      ++loaded;
      for (const Tensor& t : f->tensors()) {
        ASSERT_GE(t.view.data, f->file_data() + f->data_offset());
        ASSERT_LE(t.view.data + t.view.nbytes, f->file_data() + f->file_size());
      }
    } catch (const Error&) {
    }
  }
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace owl::safetensors
