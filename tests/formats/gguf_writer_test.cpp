// GGUF writer: byte-identical rewrites of files written by llama.cpp's gguf-py, and round trips.
#include "formats/gguf_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "base/error.h"
#include "formats/gguf.h"
#include "test_util.h"

namespace owl::gguf {
namespace {

using test::kShared;
using test::TempDir;

// Copies metadata and tensors of src, in file order, into a writer.
Writer copy_of(const File& src) {
  Writer w;
  for (const auto& [k, v] : src.metadata()) w.set(k, v);
  for (const TensorView& t : src.tensors()) w.add_tensor(t);
  return w;
}

class GgufRewrite : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufRewrite, ByteIdentical) {
  TempDir dir;
  const std::string src_path = kShared + "/" + GetParam();
  auto src = File::open(src_path);
  std::string out = dir.file("out.gguf");
  copy_of(*src).write(out);
  std::string a = read_file(src_path);
  std::string b = read_file(out);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b) << "first difference at byte "
                      << std::mismatch(a.begin(), a.end(), b.begin()).first - a.begin();
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
}

INSTANTIATE_TEST_SUITE_P(
    RealFiles, GgufRewrite,
    ::testing::Values("models/llama-2-tiny-random/llama-2-tiny-random.gguf",
                      "golden/llama/model.gguf", "golden/qwen3/model.gguf",
                      "golden/qwen3moe/model.gguf", "golden/deepseek2/model.gguf",
                      "golden/gpt-oss/model.gguf", "golden/olmo2/model.gguf",
                      "golden/gemma3/model.gguf", "golden/llama/quant/Q4_K_M/model-Q4_K_M.gguf",
                      "golden/qwen3/quant/k256-Q4_K_M/model-k256-Q4_K_M.gguf",
                      "quant/quant-vectors.gguf", "tokenizers/ggml-vocab/ggml-vocab-llama-spm.gguf",
                      "tokenizers/ggml-vocab/ggml-vocab-gpt-2.gguf",
                      "tokenizers/ggml-vocab/ggml-vocab-bert-bge.gguf"));

// A random value of type t; arrays nest up to depth 2 and may be empty.
Value random_value(std::mt19937_64& rng, ValueType t, int depth) {
  auto bits = [&] { return rng(); };
  switch (t) {
    case ValueType::kU8:
      return Value::u8(static_cast<uint8_t>(bits()));
    case ValueType::kI8:
      return Value::i8(static_cast<int8_t>(bits()));
    case ValueType::kU16:
      return Value::u16(static_cast<uint16_t>(bits()));
    case ValueType::kI16:
      return Value::i16(static_cast<int16_t>(bits()));
    case ValueType::kU32:
      return Value::u32(static_cast<uint32_t>(bits()));
    case ValueType::kI32:
      return Value::i32(static_cast<int32_t>(bits()));
    case ValueType::kU64:
      return Value::u64(bits());
    case ValueType::kI64:
      return Value::i64(static_cast<int64_t>(bits()));
    case ValueType::kF32:
      return Value::f32(std::bit_cast<float>(static_cast<uint32_t>(bits())));
    case ValueType::kF64:
      return Value::f64(std::bit_cast<double>(bits()));
    case ValueType::kBool:
      return Value::boolean(bits() & 1);
    case ValueType::kString: {
      std::string s(bits() % 4 == 0 ? 0 : bits() % 40, '\0');
      for (char& c : s) c = static_cast<char>(bits());  // any bytes, NUL included
      return Value::string(s);
    }
    case ValueType::kArray: {
      ValueType elem = static_cast<ValueType>(bits() % (depth >= 2 ? 9 : 13));
      if (elem == ValueType::kArray && depth >= 2) elem = ValueType::kString;
      size_t n = bits() % 3 == 0 ? 0 : bits() % 20;
      std::vector<Value> items;
      for (size_t i = 0; i < n; ++i) items.push_back(random_value(rng, elem, depth + 1));
      return Value::array(elem, std::move(items));
    }
  }
  return Value();
}

TEST(GgufWriter, RandomRoundTrip) {
  TempDir dir;
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 20; ++round) {
    Writer w;
    if (round % 3 == 1) w.set("general.alignment", Value::u32(round % 2 ? 64 : 8));
    for (uint32_t t = 0; t <= 12; ++t) {
      for (int k = 0; k < 3; ++k) {
        w.set("key." + std::to_string(t) + "." + std::to_string(k),
              random_value(rng, static_cast<ValueType>(t), 0));
      }
    }
    w.set("empty.string", Value::string(""));
    w.set("empty.array", Value::array(ValueType::kF64, {}));
    w.set("", Value::u8(1));  // an empty key is legal in the format
    // One tensor of every type, with random bytes and a random shape.
    std::vector<std::vector<uint8_t>> expected;
    for (uint32_t id = 0; id < 64; ++id) {
      const DTypeInfo* info = dtype_info(id);
      if (info == nullptr) continue;
      int n_dims = 1 + static_cast<int>(rng() % 4);
      std::array<int64_t, 4> ne = {info->block_elems * static_cast<int64_t>(1 + rng() % 3), 1, 1,
                                   1};
      for (int d = 1; d < n_dims; ++d) ne[d] = 1 + static_cast<int64_t>(rng() % 3);
      size_t nbytes = row_bytes(info->type, ne[0]) * static_cast<size_t>(ne[1] * ne[2] * ne[3]);
      std::vector<uint8_t> bytes(nbytes);
      for (auto& b : bytes) b = static_cast<uint8_t>(rng());
      expected.push_back(bytes);
      std::string name = "t." + std::string(info->name);
      if (id % 2) {
        w.add_tensor(name, info->type, ne, n_dims, bytes);
      } else {
        w.add_tensor(name, info->type, ne, n_dims,
                     [bytes](uint8_t* dst, size_t n) { std::memcpy(dst, bytes.data(), n); });
      }
    }
    std::string path = dir.file("r.gguf");
    w.write(path);
    auto f = File::open(path);
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->alignment(), w.alignment());
    ASSERT_EQ(f->metadata().size(), w.metadata().size());
    for (size_t i = 0; i < w.metadata().size(); ++i) {
      EXPECT_EQ(f->metadata()[i].first, w.metadata()[i].first);
      EXPECT_TRUE(f->metadata()[i].second == w.metadata()[i].second)
          << w.metadata()[i].first << ": " << f->metadata()[i].second.to_display_string() << " vs "
          << w.metadata()[i].second.to_display_string();
    }
    ASSERT_EQ(f->tensors().size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      const TensorView& t = f->tensors()[i];
      ASSERT_EQ(t.nbytes, expected[i].size()) << t.name;
      EXPECT_EQ(std::memcmp(t.data, expected[i].data(), t.nbytes), 0) << t.name;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data - f->data_offset()) % f->alignment(), 0u);
    }
  }
}

TEST(GgufWriter, SignallingNanKeepsItsBits) {
  TempDir dir;
  const uint32_t snan = 0x7f800001u;
  Writer w;
  w.set("nan", Value::f32(std::bit_cast<float>(snan)));
  w.set("nans", Value::array(ValueType::kF32, {Value::f32(std::bit_cast<float>(snan + 2))}));
  w.write(dir.file("n.gguf"));
  auto f = File::open(dir.file("n.gguf"));
  EXPECT_EQ(std::bit_cast<uint32_t>(*f->find("nan")->as_f32()), snan);
  EXPECT_EQ(std::bit_cast<uint32_t>(*f->find("nans")->items()[0].as_f32()), snan + 2);
  EXPECT_EQ(Value::u8(1).as_f32(), std::nullopt);
}

TEST(GgufWriter, SetReplacesInPlaceAndRemove) {
  Writer w;
  w.set("a", Value::u32(1));
  w.set("b", Value::string("x"));
  w.set("a", Value::f32(2.0f));
  ASSERT_EQ(w.metadata().size(), 2u);
  EXPECT_EQ(w.metadata()[0].first, "a");
  EXPECT_EQ(w.metadata()[0].second.type(), ValueType::kF32);
  EXPECT_TRUE(w.remove("a"));
  EXPECT_FALSE(w.remove("a"));
  EXPECT_EQ(w.find("a"), nullptr);
  ASSERT_NE(w.find("b"), nullptr);
}

TEST(GgufWriter, RejectsBadTensors) {
  Writer w;
  EXPECT_THROW(w.add_tensor("x", DType::kF32, {4, 2, 1, 1}, 2, std::vector<uint8_t>(31)), Error);
  EXPECT_THROW(w.add_tensor("x", DType::kQ4_0, {16, 1, 1, 1}, 1, std::vector<uint8_t>(9)), Error);
  EXPECT_THROW(w.add_tensor("x", DType::kF32, {4, 2, 1, 1}, 1, std::vector<uint8_t>(32)), Error);
  EXPECT_THROW(w.add_tensor("x", DType::kF32, {4, 0, 1, 1}, 2, std::vector<uint8_t>(0)), Error);
  EXPECT_THROW(w.add_tensor("x", DType::kF32, {4, 1, 1, 1}, 5, std::vector<uint8_t>(16)), Error);
  EXPECT_THROW(w.add_tensor("", DType::kF32, {4, 1, 1, 1}, 1, std::vector<uint8_t>(16)), Error);
  w.add_tensor("x", DType::kF32, {4, 2, 1, 1}, 2, std::vector<uint8_t>(32));
  EXPECT_THROW(w.add_tensor("x", DType::kF32, {4, 1, 1, 1}, 1, std::vector<uint8_t>(16)), Error);
  try {
    w.add_tensor("y", DType::kQ8_0, {64, 2, 1, 1}, 2, std::vector<uint8_t>(100));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("136"), std::string::npos) << e.what();
  }
  w.set("general.alignment", Value::u32(48));
  TempDir dir;
  EXPECT_THROW(w.write(dir.file("bad.gguf")), Error);
}

TEST(GgufWriter, CustomAlignment) {
  TempDir dir;
  Writer w;
  w.set("general.alignment", Value::u32(64));
  w.add_tensor("a", DType::kF32, {3, 1, 1, 1}, 1, std::vector<uint8_t>(12, 1));
  w.add_tensor("b", DType::kF16, {5, 1, 1, 1}, 1, std::vector<uint8_t>(10, 2));
  w.write(dir.file("a.gguf"));
  auto f = File::open(dir.file("a.gguf"));
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  EXPECT_EQ(f->tensor("b")->data - f->tensor("a")->data, 64);
  EXPECT_EQ(f->file_size(), f->data_offset() + 128);  // the last tensor is padded too
  EXPECT_EQ(f->tensor("b")->data[9], 2);
}

TEST(GgufWriter, FailureKeepsExistingFile) {
  TempDir dir;
  std::string path = dir.file("model.gguf");
  test::write_bytes(path, "precious");
  Writer w;
  w.add_tensor("a", DType::kF32, {4, 1, 1, 1}, 1,
               [](uint8_t*, size_t) { throw Error("generator failed"); });
  EXPECT_THROW(w.write(path), Error);
  EXPECT_EQ(read_file(path), "precious");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  EXPECT_THROW(w.write(dir.file("no/such/dir/x.gguf")), Error);
}

}  // namespace
}  // namespace owl::gguf
