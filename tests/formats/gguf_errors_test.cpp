// Bad GGUF input: every truncation, bad fields, huge counts, duplicates and random corruption
// must give owl::Error naming the file, never a crash, a huge allocation or a hang.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "base/error.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "test_util.h"

namespace owl::gguf {
namespace {

using test::expect_error;
using test::TempDir;

// A small valid file: metadata of several kinds and three tensors; every tensor size is a
// multiple of 32 so that any shorter prefix truncates real data.
std::string small_gguf(const TempDir& dir) {
  Writer w;
  w.set("general.architecture", Value::string("llama"));
  w.set("general.alignment", Value::u32(32));
  w.set("key.a", Value::u32(7));
  w.set("key.b", Value::f64(0.5));
  w.set("tokens", Value::array(ValueType::kString, {Value::string("a"), Value::string("bc")}));
  w.set("nested", Value::array(ValueType::kArray,
                               {Value::array(ValueType::kI16, {Value::i16(-1), Value::i16(2)})}));
  std::vector<uint8_t> f32(8 * 4 * 4, 1);
  w.add_tensor("t.a", DType::kF32, {8, 4, 1, 1}, 2, f32);
  w.add_tensor("t.b", DType::kF16, {16, 1, 1, 1}, 1, std::vector<uint8_t>(32, 2));
  w.add_tensor("t.c", DType::kQ8_0, {512, 1, 1, 1}, 1, std::vector<uint8_t>(16 * 34, 3));
  w.write(dir.file("src.gguf"));
  return read_file(dir.file("src.gguf"));
}

size_t find(const std::string& bytes, const std::string& what) {
  size_t at = bytes.find(what);
  EXPECT_NE(at, std::string::npos) << what;
  return at;
}

template <typename T>
void poke(std::string& bytes, size_t at, T v) {
  std::memcpy(bytes.data() + at, &v, sizeof(T));
}

// Offset of the tensor info fields after the name "t.x" (n_dims, ne..., type, offset).
size_t tensor_info(const std::string& bytes, const std::string& name) {
  return find(bytes, name) + name.size();
}

class GgufErrors : public ::testing::Test {
 protected:
  void SetUp() override { good_ = small_gguf(dir_); }
  void expect_bad(const std::string& bytes, std::initializer_list<std::string> parts) {
    std::string path = dir_.file("bad.gguf");
    test::write_bytes(path, bytes);
    expect_error([&] { File::open(path); }, parts);
  }
  TempDir dir_;
  std::string good_;
  unsigned checksum_ = 0;
};

TEST_F(GgufErrors, TheSmallFileIsValid) {
  std::string path = dir_.file("good.gguf");
  test::write_bytes(path, good_);
  auto f = File::open(path);
  EXPECT_EQ(f->tensors().size(), 3u);
  EXPECT_EQ(f->file_size() % 32, 0u);
}

TEST_F(GgufErrors, EveryTruncation) {
  std::string path = dir_.file("cut.gguf");
  for (size_t n = 0; n < good_.size(); ++n) {
    test::write_bytes(path, good_.substr(0, n));
    SCOPED_TRACE(n);
    expect_error([&] { File::open(path); }, {path + ": "});
  }
}

TEST_F(GgufErrors, TruncationMessages) {
  std::string cut = good_.substr(0, tensor_info(good_, "t.b") + 6);
  expect_bad(cut, {"bad.gguf: truncated: tensor info 1 (t.b) ends at byte",
                   "but the file has " + std::to_string(cut.size()) + " bytes"});
  expect_bad(good_.substr(0, good_.size() - 1), {"truncated: tensor 2 (t.c) data ends at byte"});
  expect_bad(good_.substr(0, 10), {"truncated: header ends at byte 16"});
}

TEST_F(GgufErrors, MagicAndVersion) {
  std::string b = good_;
  b[0] = 'X';
  expect_bad(b, {"bad.gguf: not a GGUF file"});
  b = good_;
  poke<uint32_t>(b, 4, 1);
  expect_bad(b, {"GGUF version 1 is not supported"});
  poke<uint32_t>(b, 4, 99);
  expect_bad(b, {"unsupported GGUF version 99"});
  poke<uint32_t>(b, 4, 0x03000000);  // version 3 written big-endian
  expect_bad(b, {"big-endian"});
  poke<uint32_t>(b, 4, 2);  // version 2 has the same layout
  std::string path = dir_.file("v2.gguf");
  test::write_bytes(path, b);
  EXPECT_EQ(File::open(path)->version(), 2u);
}

TEST_F(GgufErrors, UnknownTensorType) {
  std::string b = good_;
  size_t at = tensor_info(b, "t.b") + 4 + 8;  // n_dims, ne[0]
  poke<uint32_t>(b, at, 99);
  expect_bad(b, {"tensor t.b: unknown tensor type id 99", "f32 (0)", "q4_K (12)", "mxfp4 (39)"});
}

TEST_F(GgufErrors, TensorFields) {
  std::string b = good_;
  size_t at = tensor_info(b, "t.c");
  poke<uint64_t>(b, at + 4 + 8 + 4, uint64_t{1} << 40);  // offset far past the end
  expect_bad(b, {"truncated: tensor 2 (t.c) data ends at byte"});
  poke<uint64_t>(b, at + 4 + 8 + 4, 64 + 4);  // misaligned
  expect_bad(b, {"tensor 2 (t.c): data offset 68 is not a multiple of the alignment 32"});
  poke<uint64_t>(b, at + 4 + 8 + 4, 96);  // overlaps t.b ([128, 160))? t.a is [0, 128)
  expect_bad(b, {"overlap", "t.a", "t.c"});
  b = good_;
  poke<uint32_t>(b, at, 5);
  expect_bad(b, {"tensor info 2 (t.c): n_dims is 5, expected 1 to 4"});
  poke<uint32_t>(b, at, 0);
  expect_bad(b, {"n_dims is 0"});
  b = good_;
  poke<uint64_t>(b, at + 4, 16);  // q8_0 row of 16: not a multiple of 32
  expect_bad(b, {"tensor t.c: row length 16 is not a multiple of the q8_0 block size 32"});
  poke<uint64_t>(b, at + 4, 0);
  expect_bad(b, {"dimension 0 is 0"});
  b = good_;
  size_t a = tensor_info(b, "t.a");
  poke<uint64_t>(b, a + 4, uint64_t{1} << 62);  // ne[0] * ne[1] overflows int64
  expect_bad(b, {"tensor t.a", "too many elements"});
  poke<uint64_t>(b, a + 4, uint64_t{1} << 40);  // fits int64, but not in the file
  expect_bad(b, {"tensor t.a", "more bytes than the file has"});
}

TEST_F(GgufErrors, HugeCounts) {
  std::string b = good_;
  poke<uint64_t>(b, 16, uint64_t{1} << 60);  // metadata count
  expect_bad(b, {"corrupt header: 1152921504606846976 metadata entries cannot fit in a file of"});
  b = good_;
  poke<uint64_t>(b, 8, ~uint64_t{0});  // tensor count
  expect_bad(b, {"corrupt header: 18446744073709551615 tensor infos cannot fit"});
  b = good_;
  size_t tokens = find(b, "tokens") + 6 + 4 + 4;  // key, value type, element type
  poke<uint64_t>(b, tokens, uint64_t{1} << 59);   // array count
  expect_bad(b, {"metadata 4 (tokens)", "an array of 576460752303423488 string values cannot fit"});
  b = good_;
  poke<uint64_t>(b, tokens + 8, ~uint64_t{0} - 3);  // first string's length
  expect_bad(b, {"truncated: metadata 4 (tokens) ends at byte 18446744073709551615"});
  b = good_;
  poke<uint64_t>(b, find(b, "key.a") - 8, uint64_t{1} << 50);  // a key's length
  expect_bad(b, {"truncated: metadata 2 (key) ends at byte"});
}

TEST_F(GgufErrors, ValueTypes) {
  std::string b = good_;
  size_t type_at = find(b, "key.a") + 5;
  poke<uint32_t>(b, type_at, 13);
  expect_bad(b, {"metadata 2 (key.a): unknown value type 13"});
  b = good_;
  size_t nested = find(b, "nested") + 6 + 4;  // element type of the outer array
  poke<uint32_t>(b, nested + 4 + 8, 77);      // element type of the inner array
  expect_bad(b, {"metadata 5 (nested): unknown array element type 77"});
  b = good_;
  poke<uint32_t>(b, find(b, "key.a") + 5, static_cast<uint32_t>(ValueType::kBool));
  poke<uint8_t>(b, find(b, "key.a") + 9, 7);
  expect_bad(b, {"invalid bool value 7"});
}

TEST_F(GgufErrors, DeepNestingIsRejected) {
  // 17 nested arrays, each holding the next one (count 1), the innermost empty.
  std::string b("GGUF", 4);
  auto put32 = [&](uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
  auto put64 = [&](uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); };
  put32(3);
  put64(0);
  put64(1);
  put64(1);
  b += "k";
  put32(9);
  for (int i = 0; i < 17; ++i) {
    put32(9);
    put64(1);
  }
  b.append(4 + 8, '\0');
  expect_bad(b, {"arrays nested deeper than 16 levels"});
}

TEST_F(GgufErrors, DuplicatesAndAlignment) {
  std::string b = good_;
  b[find(b, "key.b") + 4] = 'a';
  expect_bad(b, {"duplicate metadata key \"key.a\" (entries 2 and 3)"});
  b = good_;
  b[find(b, "t.b") + 2] = 'a';
  expect_bad(b, {"duplicate tensor name \"t.a\" (tensor infos 0 and 1)"});
  b = good_;
  size_t align = find(b, "general.alignment") + 17 + 4;
  poke<uint32_t>(b, align, 48);
  expect_bad(b, {"general.alignment is 48; it must be a power of two"});
  poke<uint32_t>(b, align, 0);
  expect_bad(b, {"general.alignment is 0"});
  poke<uint32_t>(b, align - 4, static_cast<uint32_t>(ValueType::kF32));
  expect_bad(b, {"general.alignment must be an unsigned integer"});
}

// Thousands of seeded random corruptions, mostly in the header where parsing happens: each must
// load or throw owl::Error; a loaded file's tensors must lie inside the mapping.
TEST_F(GgufErrors, RandomCorruption) {
  std::mt19937 rng(20240601);
  std::string path = dir_.file("rand.gguf");
  test::write_bytes(path, good_);
  const size_t header = File::open(path)->data_offset();
  int loaded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b = good_;
    int n = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      size_t at = rng() % 8 ? rng() % header : rng() % b.size();
      b[at] = static_cast<char>(rng() % 3 == 0 ? 0xff : rng());
    }
    if (rng() % 10 == 0) b.resize(rng() % b.size());
    test::write_bytes(path, b);
    try {
      auto f = File::open(path);
      ++loaded;
      const uint8_t* base = f->file_data();
      for (const TensorView& t : f->tensors()) {
        ASSERT_GE(t.data, base + f->data_offset());
        ASSERT_LE(t.data + t.nbytes, base + f->file_size());
        checksum_ += t.nbytes ? t.data[t.nbytes - 1] : 0;
      }
      for (const auto& [k, v] : f->metadata()) (void)v.to_display_string();
    } catch (const Error&) {
    }
  }
  EXPECT_GT(loaded, 0);  // some corruptions (in values or data) are harmless
}

}  // namespace
}  // namespace owl::gguf
