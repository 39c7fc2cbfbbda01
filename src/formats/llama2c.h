// llama2.c checkpoints (Karpathy's run.c "legacy" .bin format): a 7 x int32 header, then float32
// arrays. Exposed as GGUF-named, ggml-ordered F32 views into a read-only mapping.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/mapped_file.h"
#include "tensor/tensor.h"

namespace owl::llama2c {

struct Config {
  int dim = 0;         // hidden size
  int hidden_dim = 0;  // FFN size
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int vocab_size = 0;  // positive (the header stores -vocab_size when wcls is separate)
  int seq_len = 0;
  bool shared_classifier = true;  // output.weight is token_embd.weight

  int head_dim() const { return dim / n_heads; }
  int kv_dim() const { return head_dim() * n_kv_heads; }
};

class Checkpoint {
 public:
  // Validates the header (positive sizes, heads dividing dim, an even head_dim) and that the
  // file has exactly the size the header implies; throws owl::Error naming the file.
  static std::unique_ptr<Checkpoint> open(const std::string& path);

  const std::string& path() const { return map_.path(); }
  size_t file_size() const { return map_.size(); }
  const Config& config() const { return config_; }

  // F32 views, ggml order, GGUF names: token_embd.weight {dim, vocab}, per layer N
  // blk.N.attn_norm.weight {dim}, attn_q {dim, dim}, attn_k / attn_v {dim, kv_dim},
  // attn_output {dim, dim}, ffn_norm {dim}, ffn_gate (w1) {dim, hidden}, ffn_down (w2)
  // {hidden, dim}, ffn_up (w3) {dim, hidden}; output_norm.weight {dim}; output.weight
  // {dim, vocab} only when the classifier is not shared. The stored RoPE tables
  // (freq_cis_real/imag) are not exposed: they are cos/sin of the standard frequencies.
  //
  // No Q/K row permutation is needed: run.c rotates adjacent pairs (x[i], x[i+1]), which is
  // GGUF's llama ("NORM") rope convention; only Hugging Face checkpoints, which rotate the two
  // halves of a head, are permuted by llama.cpp's converter (see hf_names.h).
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const TensorView* tensor(std::string_view name) const;

 private:
  Checkpoint() = default;
  void build_views();
  MappedFile map_;
  Config config_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
};

// The tokenizer beside a checkpoint: "tok<vocab_size>.bin" (llama2.c's name for custom
// vocabularies, e.g. tok512.bin), else "tokenizer.bin" (its default 32000-token one).
// nullopt when neither exists.
std::optional<std::string> find_tokenizer(const std::string& checkpoint_path, int vocab_size);

}  // namespace owl::llama2c
