// Hugging Face folders and name/permutation tables, checked against the golden GGUFs, which
// llama.cpp-convention tooling wrote from the same weights.
#include "formats/hf_folder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "formats/gguf.h"
#include "formats/hf_names.h"
#include "formats/safetensors.h"
#include "test_util.h"

namespace owl {
namespace {

namespace fs = std::filesystem;
using test::kShared;
using test::TempDir;

bool same_bytes(const TensorView& a, const uint8_t* b, size_t n) {
  return a.nbytes == n && std::memcmp(a.data, b, n) == 0;
}

// Every HF tensor equals the GGUF tensor of the same weight (after the llama Q/K permutation
// when permute_qk), and every GGUF tensor but the listed extras comes from the HF folder.
void expect_same_weights(const std::string& arch, bool permute_qk,
                         const std::vector<std::string>& gguf_only) {
  auto hf = HfFolder::open(kShared + "/golden/" + arch + "/hf");
  auto gg = gguf::File::open(kShared + "/golden/" + arch + "/model.gguf");
  const int n_heads = hf->config().at("num_attention_heads").get<int>();
  const int n_kv_heads = hf->config().at("num_key_value_heads").get<int>();
  int n_permuted = 0;
  for (const safetensors::Tensor* t : hf->tensors()) {
    std::optional<std::string> name = hf_to_gguf_name(t->view.name);
    ASSERT_TRUE(name) << t->view.name;
    EXPECT_EQ(gguf_to_hf_name(*name), t->view.name);
    const TensorView* g = gg->tensor(*name);
    ASSERT_NE(g, nullptr) << *name;
    EXPECT_EQ(g->type, t->view.type) << *name;
    EXPECT_EQ(g->n_dims, t->view.n_dims) << *name;
    EXPECT_EQ(g->ne, t->view.ne) << *name;
    const bool is_q = name->ends_with("attn_q.weight");
    const bool is_k = name->ends_with("attn_k.weight");
    if (permute_qk && (is_q || is_k)) {
      std::vector<uint8_t> permuted(t->view.nbytes);
      llama_permute_qk_rows(t->view.data, permuted.data(), t->view.n_rows(), t->view.row_bytes(),
                            is_q ? n_heads : n_kv_heads);
      EXPECT_TRUE(same_bytes(*g, permuted.data(), permuted.size())) << *name;
      // The permutation matters: the HF order itself differs from the GGUF bytes.
      EXPECT_FALSE(same_bytes(*g, t->view.data, t->view.nbytes)) << *name;
      std::vector<uint8_t> back(t->view.nbytes);
      llama_unpermute_qk_rows(g->data, back.data(), g->n_rows(), g->row_bytes(),
                              is_q ? n_heads : n_kv_heads);
      EXPECT_TRUE(same_bytes(t->view, back.data(), back.size())) << *name;
      ++n_permuted;
    } else {
      EXPECT_TRUE(same_bytes(*g, t->view.data, t->view.nbytes)) << *name;
    }
  }
  const int n_layers = hf->config().at("num_hidden_layers").get<int>();
  EXPECT_EQ(n_permuted, permute_qk ? 2 * n_layers : 0);
  for (const TensorView& g : gg->tensors()) {
    if (std::find(gguf_only.begin(), gguf_only.end(), g.name) != gguf_only.end()) continue;
    std::optional<std::string> hf_name = gguf_to_hf_name(g.name);
    ASSERT_TRUE(hf_name) << g.name;
    EXPECT_NE(hf->find(*hf_name), nullptr) << g.name;
  }
}

TEST(HfFolder, GoldenLlamaMatchesGguf) {
  // rope_freqs.weight is computed from config.json's rope_scaling, not stored by HF.
  expect_same_weights("llama", true, {"rope_freqs.weight"});
}

TEST(HfFolder, GoldenQwen3MatchesGguf) { expect_same_weights("qwen3", false, {}); }

TEST(HfFolder, GoldenLlamaFolderContents) {
  auto hf = HfFolder::open(kShared + "/golden/llama/hf");
  EXPECT_EQ(hf->config().at("model_type"), "llama");
  EXPECT_EQ(hf->generation_config(), nullptr);
  EXPECT_FALSE(hf->tokenizer_json_path());
  EXPECT_FALSE(hf->chat_template_path());
  EXPECT_EQ(hf->shards().size(), 1u);
  EXPECT_EQ(hf->tensors().size(), 21u);
  EXPECT_EQ(hf->find("model.norm.weight")->shape, (std::vector<int64_t>{128}));
  EXPECT_EQ(hf->find("nope"), nullptr);
}

// Writes the llama HF folder again as two shards + index, with the extra optional files.
TEST(HfFolder, ShardedCopyLoadsTheSame) {
  TempDir dir;
  const std::string src_dir = kShared + "/golden/llama/hf";
  auto src = HfFolder::open(src_dir);
  fs::copy_file(src_dir + "/config.json", dir.file("config.json"));
  fs::copy_file(kShared + "/tokenizers/qwen3/tokenizer.json.gz", dir.file("tokenizer.json.gz"));
  test::write_bytes(dir.file("chat_template.jinja"), "{{ messages }}");
  test::write_bytes(dir.file("generation_config.json"), R"({"temperature": 0.6})");
  safetensors::Writer a, b;
  nlohmann::ordered_json index;
  index["metadata"]["total_size"] = 0;
  const auto& all = src->tensors();
  for (size_t i = 0; i < all.size(); ++i) {
    const safetensors::Tensor* t = all[i];
    bool first = i < all.size() / 2;
    (first ? a : b).add_tensor(t->view.name, t->view);
    index["weight_map"][t->view.name] =
        first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
  }
  a.write(dir.file("model-00001-of-00002.safetensors"));
  b.write(dir.file("model-00002-of-00002.safetensors"));
  test::write_bytes(dir.file("model.safetensors.index.json"), index.dump(2));

  auto hf = HfFolder::open(dir.path().string());
  EXPECT_EQ(hf->shards().size(), 2u);
  ASSERT_EQ(hf->tensors().size(), all.size());
  for (const safetensors::Tensor* t : all) {
    const safetensors::Tensor* c = hf->find(t->view.name);
    ASSERT_NE(c, nullptr) << t->view.name;
    EXPECT_EQ(c->shape, t->shape);
    EXPECT_EQ(c->raw, t->raw);
    EXPECT_TRUE(same_bytes(c->view, t->view.data, t->view.nbytes)) << t->view.name;
  }
  ASSERT_TRUE(hf->tokenizer_json_path());
  EXPECT_TRUE(hf->tokenizer_json_path()->ends_with("tokenizer.json.gz"));
  ASSERT_TRUE(hf->chat_template_path());
  EXPECT_EQ(read_text_file(*hf->chat_template_path()), "{{ messages }}");
  ASSERT_NE(hf->generation_config(), nullptr);
  EXPECT_EQ(hf->generation_config()->at("temperature"), 0.6);
  EXPECT_FALSE(hf->tokenizer_config_path());
  // DATA.md: the decompressed Qwen3 tokenizer.json has 11422654 bytes.
  std::string tok = read_text_file(*hf->tokenizer_json_path());
  EXPECT_EQ(tok.size(), 11422654u);
  EXPECT_EQ(tok.front(), '{');
}

TEST(HfNames, Table) {
  EXPECT_EQ(hf_to_gguf_name("model.layers.12.mlp.down_proj.weight"), "blk.12.ffn_down.weight");
  EXPECT_EQ(hf_to_gguf_name("model.layers.0.self_attn.q_proj.bias"), "blk.0.attn_q.bias");
  EXPECT_EQ(hf_to_gguf_name("model.layers.3.self_attn.k_norm.weight"), "blk.3.attn_k_norm.weight");
  EXPECT_EQ(hf_to_gguf_name("model.layers.1.post_attention_layernorm.weight"),
            "blk.1.ffn_norm.weight");
  EXPECT_EQ(hf_to_gguf_name("lm_head.weight"), "output.weight");
  EXPECT_EQ(gguf_to_hf_name("blk.7.attn_output.weight"), "model.layers.7.self_attn.o_proj.weight");
  EXPECT_EQ(hf_to_gguf_name("model.layers.0.self_attn.rotary_emb.inv_freq"), std::nullopt);
  EXPECT_EQ(hf_to_gguf_name("model.layers.01.mlp.up_proj.weight"), std::nullopt);
  EXPECT_EQ(hf_to_gguf_name("model.layers..mlp.up_proj.weight"), std::nullopt);
  EXPECT_EQ(hf_to_gguf_name("model.layers.x.mlp.up_proj.weight"), std::nullopt);
  EXPECT_EQ(gguf_to_hf_name("blk.0.ffn_gate_exps.weight"), std::nullopt);
}

TEST(HfNames, PermutationSmallCase) {
  // 2 heads of head_dim 4: within a head, HF rows [r0 r1 | r2 r3] become [r0 r2 r1 r3].
  std::vector<uint8_t> src = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<uint8_t> dst(8), back(8);
  llama_permute_qk_rows(src.data(), dst.data(), 8, 1, 2);
  EXPECT_EQ(dst, (std::vector<uint8_t>{0, 2, 1, 3, 4, 6, 5, 7}));
  llama_unpermute_qk_rows(dst.data(), back.data(), 8, 1, 2);
  EXPECT_EQ(back, src);
  // head_dim 6: [0 1 2 | 3 4 5] -> [0 3 1 4 2 5]; rows of 2 bytes move whole.
  std::vector<uint8_t> s2 = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}, d2(12);
  llama_permute_qk_rows(s2.data(), d2.data(), 6, 2, 1);
  EXPECT_EQ(d2, (std::vector<uint8_t>{0, 0, 3, 3, 1, 1, 4, 4, 2, 2, 5, 5}));
  EXPECT_THROW(llama_permute_qk_rows(s2.data(), d2.data(), 6, 2, 2), Error);
  EXPECT_THROW(llama_permute_qk_rows(s2.data(), d2.data(), 6, 2, 0), Error);
}

}  // namespace
}  // namespace owl
