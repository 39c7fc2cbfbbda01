// llama2.c checkpoints: the two trained models in shared/models, and synthetic headers.
#include "formats/llama2c.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "base/error.h"
#include "test_util.h"

namespace owl::llama2c {
namespace {

using test::kShared;
using test::TempDir;

float f32_at(const uint8_t* p, size_t i) {
  float v;
  std::memcpy(&v, p + 4 * i, 4);
  return v;
}

// The RoPE tables llama2.c stores after rms_final are cos/sin(pos * 10000^(-2i/head_dim)):
// finding them right after output_norm.weight proves every offset before it.
void expect_rope_tables_follow_output_norm(const Checkpoint& ck) {
  const Config& c = ck.config();
  const TensorView* norm = ck.tensor("output_norm.weight");
  ASSERT_NE(norm, nullptr);
  const uint8_t* real = norm->data + norm->nbytes;
  const size_t half = static_cast<size_t>(c.head_dim() / 2);
  const uint8_t* imag = real + 4 * half * static_cast<size_t>(c.seq_len);
  double worst = 0;
  for (int pos = 0; pos < c.seq_len; ++pos) {
    for (size_t i = 0; i < half; ++i) {
      double freq = std::pow(10000.0, -2.0 * static_cast<double>(i) / c.head_dim());
      size_t k = static_cast<size_t>(pos) * half + i;
      worst = std::max(worst, std::abs(f32_at(real, k) - std::cos(pos * freq)));
      worst = std::max(worst, std::abs(f32_at(imag, k) - std::sin(pos * freq)));
    }
  }
  EXPECT_LT(worst, 1e-3);  // float32 angles at positions up to 511
  EXPECT_EQ(imag + 4 * half * static_cast<size_t>(c.seq_len),
            ck.tensor("token_embd.weight")->data - 28 + ck.file_size());
}

TEST(Llama2c, Stories260K) {
  const std::string path = kShared + "/models/stories260K/stories260K.bin";
  auto ck = Checkpoint::open(path);
  const Config& c = ck->config();
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.seq_len, 512);
  EXPECT_TRUE(c.shared_classifier);
  EXPECT_EQ(c.head_dim(), 8);
  EXPECT_EQ(c.kv_dim(), 32);
  ASSERT_EQ(ck->tensors().size(), 1u + 5u * 9u + 1u);
  EXPECT_EQ(ck->tensor("output.weight"), nullptr);
  const TensorView* emb = ck->tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->ne[0], 64);
  EXPECT_EQ(emb->ne[1], 512);
  const TensorView* k = ck->tensor("blk.4.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->shape_string(), "[64, 32]");
  EXPECT_EQ(ck->tensor("blk.0.ffn_down.weight")->shape_string(), "[172, 64]");
  EXPECT_EQ(ck->tensor("blk.0.ffn_gate.weight")->shape_string(), "[64, 172]");
  EXPECT_EQ(ck->tensor("blk.2.ffn_norm.weight")->shape_string(), "[64]");
  // GGUF order: blk.0.* together.
  EXPECT_EQ(ck->tensors()[1].name, "blk.0.attn_norm.weight");
  EXPECT_EQ(ck->tensors()[9].name, "blk.0.ffn_up.weight");
  EXPECT_EQ(ck->tensors().back().name, "output_norm.weight");
  // Layers of one kind are consecutive in the file.
  EXPECT_EQ(ck->tensor("blk.1.attn_q.weight")->data - ck->tensor("blk.0.attn_q.weight")->data,
            64 * 64 * 4);
  expect_rope_tables_follow_output_norm(*ck);
  EXPECT_EQ(find_tokenizer(path, c.vocab_size), kShared + "/models/stories260K/tok512.bin");
  EXPECT_EQ(find_tokenizer(path, 32000), std::nullopt);
}

TEST(Llama2c, Aidreams260K) {
  auto ck = Checkpoint::open(kShared + "/models/aidreams260K/aidreams260K.bin");
  const Config& c = ck->config();
  EXPECT_EQ(c.n_layers, 4);
  EXPECT_EQ(c.n_heads, 4);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.seq_len, 128);
  EXPECT_EQ(ck->tensors().size(), 1u + 4u * 9u + 1u);
  EXPECT_EQ(ck->tensor("blk.3.attn_v.weight")->shape_string(), "[64, 64]");
  expect_rope_tables_follow_output_norm(*ck);
}

// A synthetic checkpoint: header, then floats 0, 1, 2, ... (n floats).
std::string synthetic(std::vector<int32_t> header, size_t n_floats) {
  std::string s(reinterpret_cast<const char*>(header.data()), header.size() * 4);
  for (size_t i = 0; i < n_floats; ++i) {
    float f = static_cast<float>(i);
    s.append(reinterpret_cast<const char*>(&f), 4);
  }
  return s;
}

TEST(Llama2c, SeparateClassifier) {
  TempDir dir;
  // dim 4, hidden 6, 1 layer, 2 heads, 1 kv head, vocab -3 (separate wcls), seq_len 2.
  const size_t per_layer = 4 + 16 + 2 * 4 * 2 + 16 + 4 + 3 * 4 * 6;
  const size_t n = 3 * 4 + per_layer + 4 + 2 * 2 + 3 * 4;
  std::string path = dir.file("m.bin");
  test::write_bytes(path, synthetic({4, 6, 1, 2, 1, -3, 2}, n));
  test::write_bytes(dir.file("tokenizer.bin"), "x");
  auto ck = Checkpoint::open(path);
  EXPECT_FALSE(ck->config().shared_classifier);
  EXPECT_EQ(ck->config().vocab_size, 3);
  const TensorView* out = ck->tensor("output.weight");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->shape_string(), "[4, 3]");
  EXPECT_EQ(f32_at(out->data, 0), static_cast<float>(n - 12));  // the last 12 floats
  EXPECT_EQ(f32_at(ck->tensor("blk.0.attn_k.weight")->data, 0), 12.0f + 4 + 16);
  EXPECT_EQ(ck->tensors().back().name, "output.weight");
  EXPECT_EQ(find_tokenizer(path, 3), dir.file("tokenizer.bin"));
}

}  // namespace
}  // namespace owl::llama2c
