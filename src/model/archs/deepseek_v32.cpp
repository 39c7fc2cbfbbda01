// DeepSeek-V3.2: DeepSeek-V3's blocks plus DeepSeek Sparse Attention, whose lightning indexer
// lets each query attend only to its index_topk best past positions (all of them while the
// context is at most index_topk long). GGUF architecture "deepseek32" as llama.cpp names it.
#include "base/error.h"
#include "model/archs/archs.h"
#include "model/blocks/mla_decoder.h"

namespace owl::archs {
namespace {

ModelConfig read_config(const ConfigReader& r) {
  ModelConfig c = read_deepseek2_config(r);
  c.arch = "deepseek32";
  c.dsa.n_heads = r.require_int("index_n_heads", ".attention.indexer.head_count");
  c.dsa.head_dim = r.require_int("index_head_dim", ".attention.indexer.key_length");
  c.dsa.topk = r.require_int("index_topk", ".attention.indexer.top_k");
  if (c.dsa.n_heads <= 0 || c.dsa.head_dim < c.rope.n_rot || c.dsa.topk <= 0 ||
      c.mla.q_lora_rank <= 0) {
    fail("{}: invalid indexer: {} heads of {} (rope dims {}), top-k {}, q_lora_rank {}", r.path(),
         c.dsa.n_heads, c.dsa.head_dim, c.rope.n_rot, c.dsa.topk, c.mla.q_lora_rank);
  }
  return c;
}

std::unique_ptr<Model> build(ModelConfig c, WeightBinder& w) {
  return std::make_unique<MlaDecoder>(std::move(c), w);
}

}  // namespace

const Architecture& deepseek_v32() {
  static const Architecture a{
      "deepseek32", {"DeepseekV32ForCausalLM"}, {"deepseek_v32"}, "", read_config, build};
  return a;
}

}  // namespace owl::archs
