// GGUF reader against real files written by llama.cpp's converter and the golden generator.
#include "formats/gguf.h"

#include <gtest/gtest.h>

#include <cstring>

#include "base/error.h"
#include "base/mapped_file.h"

namespace owl::gguf {
namespace {

const std::string kShared = OWL_SHARED_DIR;
const std::string kTinyLlama = kShared + "/models/llama-2-tiny-random/llama-2-tiny-random.gguf";

TEST(GgufReader, TinyLlamaMetadata) {
  auto f = File::open(kTinyLlama);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->file_size(), 1750560u);
  // Facts from DATA.md and an independent dump: 18 keys, 12 tensors, data at byte 724416.
  EXPECT_EQ(f->metadata().size(), 18u);
  EXPECT_EQ(f->data_offset(), 724416u);
  EXPECT_EQ(f->architecture(), "llama");
  EXPECT_EQ(f->metadata()[0].first, "general.architecture");
  EXPECT_EQ(f->get_string("general.name"), "LLaMA v2");
  EXPECT_EQ(f->get_int("llama.embedding_length"), 8);
  EXPECT_EQ(f->get_int("llama.block_count"), 1);
  EXPECT_EQ(f->get_int("llama.context_length"), 4096);
  EXPECT_EQ(f->find("llama.context_length")->type(), ValueType::kU32);
  EXPECT_FLOAT_EQ(*f->get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5f);
  EXPECT_EQ(f->get_int("tokenizer.ggml.bos_token_id"), 1);
  EXPECT_EQ(f->get_int("missing.key"), std::nullopt);
  EXPECT_THROW(f->get_int("general.name"), Error);
  EXPECT_THROW(f->get_string("llama.block_count"), Error);

  const Value* tokens = f->get_array("tokenizer.ggml.tokens");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->elem_type(), ValueType::kString);
  ASSERT_EQ(tokens->items().size(), 32000u);
  EXPECT_EQ(*tokens->items()[0].as_string(), "<unk>");
  EXPECT_EQ(*tokens->items()[1].as_string(), "<s>");
  EXPECT_EQ(*tokens->items()[3].as_string(), "<0x00>");
  const Value* types = f->get_array("tokenizer.ggml.token_type");
  ASSERT_NE(types, nullptr);
  EXPECT_EQ(types->elem_type(), ValueType::kI32);
  EXPECT_EQ(types->items()[0].as_int(), 2);
  EXPECT_EQ(types->items()[1].as_int(), 3);
  EXPECT_EQ(types->items()[3].as_int(), 6);
  const Value* scores = f->get_array("tokenizer.ggml.scores");
  ASSERT_NE(scores, nullptr);
  EXPECT_EQ(scores->elem_type(), ValueType::kF32);
  EXPECT_THROW(f->get_array("general.name"), Error);
}

TEST(GgufReader, TinyLlamaTensors) {
  auto f = File::open(kTinyLlama);
  ASSERT_EQ(f->tensors().size(), 12u);
  const TensorView* emb = f->tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->type, DType::kF16);
  EXPECT_EQ(emb->n_dims, 2);
  EXPECT_EQ(emb->ne[0], 8);
  EXPECT_EQ(emb->ne[1], 32000);
  EXPECT_EQ(emb->nbytes, 8u * 32000u * 2u);
  // Points into the file: the first tensor starts at the data offset.
  const TensorView* out = f->tensor("output.weight");
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->data - emb->data, 514144);
  EXPECT_EQ(out->data + out->nbytes - emb->data + 724416, 1750560);
  const TensorView* norm = f->tensor("blk.0.attn_norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->type, DType::kF32);
  EXPECT_EQ(norm->n_dims, 1);
  EXPECT_EQ(norm->ne[0], 8);
  EXPECT_EQ(norm->ne[1], 1);
  EXPECT_EQ(f->tensor("nope"), nullptr);
  // Order is file order.
  EXPECT_EQ(f->tensors()[1].name, "blk.0.attn_q.weight");
  EXPECT_EQ(f->tensors()[11].name, "output.weight");
}

TEST(GgufReader, GoldenLlamaValues) {
  auto f = File::open(kShared + "/golden/llama/model.gguf");
  EXPECT_EQ(f->tensors().size(), 22u);
  EXPECT_EQ(f->get_int("llama.vocab_size"), 512);
  EXPECT_EQ(f->get_bool("tokenizer.ggml.add_bos_token"), false);
  EXPECT_DOUBLE_EQ(*f->get_float("llama.rope.freq_base"), 500000.0);
  const TensorView* q = f->tensor("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->shape_string(), "[128, 128]");
  const TensorView* k = f->tensor("blk.0.attn_k.weight");
  EXPECT_EQ(k->shape_string(), "[128, 64]");
  const Value* m = f->get_array("tokenizer.ggml.merges");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(*m->items()[0].as_string(), "e e");
}

TEST(GgufReader, QuantVectorsTypes) {
  // shared/quant/quant-vectors.gguf: one tensor per type, named as the type, ne = [512, 8].
  auto f = File::open(kShared + "/quant/quant-vectors.gguf");
  EXPECT_EQ(f->get_string("general.architecture"), "owl-quant-test");
  const char* names[] = {"F16",  "BF16", "Q8_0", "Q4_0", "Q4_1",  "Q5_0",   "Q5_1",  "Q2_K",
                         "Q3_K", "Q4_K", "Q5_K", "Q6_K", "MXFP4", "IQ4_NL", "IQ4_XS"};
  for (const char* n : names) {
    const TensorView* t = f->tensor(n);
    ASSERT_NE(t, nullptr) << n;
    EXPECT_EQ(t->type, *dtype_from_name(n)) << n;
    EXPECT_EQ(t->ne[0], 512);
    EXPECT_EQ(t->ne[1], 8);
    EXPECT_EQ(t->nbytes, 8 * row_bytes(t->type, 512));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t->data) % 32, 0u);
    // The bytes are the ones stored alone in <TYPE>.blocks.bin.
    std::string blocks = read_file(kShared + "/quant/" + n + ".blocks.bin");
    ASSERT_EQ(blocks.size(), t->nbytes) << n;
    EXPECT_EQ(std::memcmp(blocks.data(), t->data, t->nbytes), 0) << n;
  }
  const TensorView* src = f->tensor("source");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->type, DType::kF32);
  std::string source = read_file(kShared + "/quant/source.f32");
  ASSERT_EQ(source.size(), src->nbytes);
  EXPECT_EQ(std::memcmp(source.data(), src->data, src->nbytes), 0);
}

TEST(GgufReader, VocabOnlyFileEndsWithoutPadding) {
  auto f = File::open(kShared + "/tokenizers/ggml-vocab/ggml-vocab-llama-spm.gguf");
  EXPECT_TRUE(f->tensors().empty());
  EXPECT_GT(f->data_offset(), f->file_size());
  EXPECT_EQ(f->get_array("tokenizer.ggml.tokens")->items().size(), 32000u);
}

TEST(GgufValue, AccessorsAndDisplay) {
  EXPECT_EQ(Value::u64(~uint64_t{0}).as_int(), std::nullopt);
  EXPECT_EQ(Value::u64(~uint64_t{0}).as_uint(), ~uint64_t{0});
  EXPECT_EQ(Value::i8(-3).as_uint(), std::nullopt);
  EXPECT_EQ(Value::i8(-3).as_int(), -3);
  EXPECT_EQ(Value::i32(7).as_double(), 7.0);
  EXPECT_EQ(Value::boolean(true).as_int(), std::nullopt);
  EXPECT_EQ(Value::boolean(true).as_bool(), true);
  EXPECT_EQ(Value::string("x").as_bool(), std::nullopt);
  EXPECT_EQ(Value::f32(1.5f).to_display_string(), "1.5");
  EXPECT_EQ(Value::string("a\"b\n").to_display_string(), "\"a\\\"b\\n\"");
  std::vector<Value> items;
  for (int i = 0; i < 10; ++i) items.push_back(Value::u8(static_cast<uint8_t>(i)));
  Value arr = Value::array(ValueType::kU8, items);
  EXPECT_EQ(arr.to_display_string(3), "[0, 1, 2, ...] (10 items)");
  EXPECT_EQ(Value::array(ValueType::kString, {}).to_display_string(), "[]");
  EXPECT_THROW(Value::array(ValueType::kString, {Value::u8(1)}), Error);
  EXPECT_EQ(Value::f32(0.0f) == Value::f32(-0.0f), false);
  EXPECT_EQ(Value::f32(2.0f) == Value::f32(2.0f), true);
  EXPECT_EQ(Value::f32(2.0f) == Value::f64(2.0), false);
}

}  // namespace
}  // namespace owl::gguf
