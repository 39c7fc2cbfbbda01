// safetensors: HF's own serialization test vectors, the golden HF folders, round trips.
#include "formats/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "base/error.h"
#include "test_util.h"

namespace owl::safetensors {
namespace {

using test::kShared;
using test::TempDir;

std::vector<uint8_t> f32_bytes(std::vector<float> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::string le64(uint64_t n) { return std::string(reinterpret_cast<const char*>(&n), 8); }

// Expected bytes are the ones asserted by huggingface/safetensors' tests (tensor.rs:
// test_serialization, test_empty, test_serialization_forced_alignement).
TEST(SafetensorsWriter, MatchesHuggingFaceVectors) {
  TempDir dir;
  std::string path = dir.file("a.safetensors");
  std::vector<uint8_t> data = f32_bytes({0, 1, 2, 3, 4, 5});
  {
    Writer w;
    w.clear_metadata();
    w.add_tensor("attn.0", RawDType::kF32, {1, 2, 3}, data);
    w.write(path);
    std::string h = R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})";
    ASSERT_EQ(h.size(), 64u);
    EXPECT_EQ(read_file(path), le64(64) + h + std::string(data.begin(), data.end()));
  }
  {
    Writer w;
    w.clear_metadata();
    w.add_tensor("attn0", RawDType::kF32, {1, 1, 2, 3}, data);
    w.write(path);
    std::string h = R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})";
    EXPECT_EQ(read_file(path), le64(72) + h + "       " + std::string(data.begin(), data.end()));
  }
  {
    Writer w;
    w.clear_metadata();
    w.write(path);
    EXPECT_EQ(read_file(path), le64(8) + "{}      ");
  }
  {
    Writer w;
    w.clear_metadata();
    w.set_metadata("framework", "pt");
    w.write(path);
    EXPECT_EQ(read_file(path), le64(40) + R"({"__metadata__":{"framework":"pt"}})" + "     ");
  }
}

TEST(SafetensorsReader, GoldenLlama) {
  auto f = File::open(kShared + "/golden/llama/hf/model.safetensors");
  EXPECT_EQ(f->metadata().at("format"), "pt");
  EXPECT_EQ(f->data_offset(), 8u + 2184u);
  ASSERT_EQ(f->tensors().size(), 21u);  // 3 + 9 per layer x 2
  EXPECT_EQ(f->tensors()[0].view.name, "model.embed_tokens.weight");
  const Tensor* q = f->find("model.layers.0.self_attn.k_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->raw, RawDType::kF32);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{64, 128}));
  EXPECT_EQ(q->view.type, DType::kF32);
  EXPECT_EQ(q->view.n_dims, 2);
  EXPECT_EQ(q->view.ne[0], 128);  // HF [out, in] -> ggml {in, out}
  EXPECT_EQ(q->view.ne[1], 64);
  EXPECT_EQ(q->view.nbytes, 64u * 128u * 4u);
  const Tensor* norm = f->find("model.norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->view.n_dims, 1);
  EXPECT_EQ(norm->view.data - f->tensors()[0].view.data, 262144);
  EXPECT_EQ(f->find("lm_head.bias"), nullptr);
}

TEST(SafetensorsWriter, RewritesGoldenFilesByteIdentically) {
  // The golden files keep insertion order (not HF's sorted order): Order::kInsertion.
  TempDir dir;
  for (const char* arch : {"llama", "qwen3"}) {
    std::string src_path = kShared + "/golden/" + arch + "/hf/model.safetensors";
    auto src = File::open(src_path);
    Writer w;
    w.set_order(Writer::Order::kInsertion);
    for (const Tensor& t : src->tensors()) w.add_tensor(t.view.name, t.view);
    std::string out = dir.file("out.safetensors");
    w.write(out);
    EXPECT_TRUE(read_file(out) == read_file(src_path)) << arch;
  }
}

TEST(SafetensorsWriter, HuggingFaceOrder) {
  TempDir dir;
  Writer w;
  w.add_tensor("b", RawDType::kU8, {3}, std::vector<uint8_t>{1, 2, 3});
  w.add_tensor("a", RawDType::kU8, {1}, std::vector<uint8_t>{9});
  w.add_tensor("z", RawDType::kF32, {1}, f32_bytes({1.5f}));
  w.add_tensor("c", RawDType::kBF16, {2}, std::vector<uint8_t>{0, 0x3f, 0, 0x40});
  w.add_tensor("y", RawDType::kF32, {2}, f32_bytes({2, 3}));
  w.write(dir.file("o.safetensors"));
  auto f = File::open(dir.file("o.safetensors"));
  std::vector<std::string> names;
  for (const Tensor& t : f->tensors()) names.push_back(t.view.name);
  EXPECT_EQ(names, (std::vector<std::string>{"y", "z", "c", "a", "b"}));
  EXPECT_EQ(f->data_offset() % 8, 0u);
  EXPECT_EQ(f->find("y")->view.data, f->tensors()[0].view.data);
  EXPECT_EQ(f->find("b")->view.data[2], 3);
  EXPECT_EQ(f->metadata().at("format"), "pt");
  float z;
  std::memcpy(&z, f->find("z")->view.data, 4);
  EXPECT_EQ(z, 1.5f);
}

TEST(SafetensorsWriter, RoundTripEveryDtypeAndShape) {
  TempDir dir;
  std::mt19937 rng(7);
  Writer w;
  w.set_metadata("note", "tab\there \"quoted\" é");
  struct Case {
    std::string name;
    RawDType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  std::vector<Case> cases;
  const std::vector<std::vector<int64_t>> shapes = {{},        {5},          {3, 4},
                                                    {2, 0, 3}, {2, 1, 3, 2}, {2, 3, 1, 2, 2}};
  for (int d = 0; d <= static_cast<int>(RawDType::kU64); ++d) {
    RawDType dt = static_cast<RawDType>(d);
    const auto& shape = shapes[d % shapes.size()];
    size_t n = 1;
    for (int64_t s : shape) n *= static_cast<size_t>(s);
    std::vector<uint8_t> bytes(n * raw_dtype_size(dt));
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    cases.push_back({"t." + std::string(raw_dtype_name(dt)), dt, shape, bytes});
    w.add_tensor(cases.back().name, dt, shape, bytes);
  }
  w.write(dir.file("r.safetensors"));
  auto f = File::open(dir.file("r.safetensors"));
  EXPECT_EQ(f->metadata().at("note"), "tab\there \"quoted\" é");
  ASSERT_EQ(f->tensors().size(), cases.size());
  for (const Case& c : cases) {
    const Tensor* t = f->find(c.name);
    ASSERT_NE(t, nullptr) << c.name;
    EXPECT_EQ(t->raw, c.dtype);
    EXPECT_EQ(t->shape, c.shape);
    EXPECT_EQ(t->view.type, storage_dtype(c.dtype));
    ASSERT_EQ(t->view.nbytes, c.bytes.size());
    if (!c.bytes.empty()) {
      EXPECT_EQ(std::memcmp(t->view.data, c.bytes.data(), c.bytes.size()), 0);
    }
    EXPECT_EQ(static_cast<size_t>(t->view.n_elements()) * raw_dtype_size(c.dtype), c.bytes.size());
  }
  // shapes[d % 6] by dtype index: I8 {3, 4}, F8_E5M2 {2, 0, 3}, F8_E4M3 {2, 1, 3, 2},
  // I16 {2, 3, 1, 2, 2}, BOOL {}.
  const Tensor* mat = f->find("t.I8");
  EXPECT_EQ(mat->view.ne[0], 4);
  EXPECT_EQ(mat->view.ne[1], 3);
  const Tensor* empty = f->find("t.F8_E5M2");
  EXPECT_EQ(empty->view.ne[1], 0);
  EXPECT_EQ(empty->view.nbytes, 0u);
  const Tensor* four = f->find("t.F8_E4M3");
  EXPECT_EQ(four->view.n_dims, 4);
  EXPECT_EQ(four->view.ne[0], 2);
  EXPECT_EQ(four->view.ne[3], 2);
  const Tensor* five_d = f->find("t.I16");
  EXPECT_EQ(five_d->view.n_dims, 4);
  EXPECT_EQ(five_d->view.ne[0], 2);
  EXPECT_EQ(five_d->view.ne[1], 2);
  EXPECT_EQ(five_d->view.ne[2], 1);
  EXPECT_EQ(five_d->view.ne[3], 6);
  const Tensor* scalar = f->find("t.BOOL");  // index 0 -> {}
  EXPECT_EQ(scalar->view.n_dims, 1);
  EXPECT_EQ(scalar->view.nbytes, 1u);
}

TEST(SafetensorsWriter, ViewsAndErrors) {
  Writer w;
  EXPECT_THROW(w.add_tensor("x", RawDType::kF32, {2, 2}, std::vector<uint8_t>(15)), Error);
  EXPECT_THROW(w.add_tensor("__metadata__", RawDType::kU8, {1}, std::vector<uint8_t>(1)), Error);
  w.add_tensor("x", RawDType::kF32, {1}, std::vector<uint8_t>(4));
  EXPECT_THROW(w.add_tensor("x", RawDType::kF32, {1}, std::vector<uint8_t>(4)), Error);
  TensorView q;
  q.type = DType::kQ8_0;
  q.n_dims = 1;
  q.ne = {32, 1, 1, 1};
  q.nbytes = 34;
  EXPECT_THROW(w.add_tensor("q", q), Error);
  std::vector<float> m = {1, 2, 3, 4, 5, 6};
  TensorView v;
  v.type = DType::kF32;
  v.n_dims = 2;
  v.ne = {3, 2, 1, 1};
  v.data = reinterpret_cast<const uint8_t*>(m.data());
  v.nbytes = 24;
  w.add_tensor("m", v);
  TempDir dir;
  w.write(dir.file("v.safetensors"));
  auto f = File::open(dir.file("v.safetensors"));
  EXPECT_EQ(f->find("m")->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(f->find("m")->view.data, m.data(), 24), 0);
}

}  // namespace
}  // namespace owl::safetensors
