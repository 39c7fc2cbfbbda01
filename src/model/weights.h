// Where a model's tensors come from (GGUF, safetensors folder, llama2.c), and the binder that
// fetches each weight by its GGUF or Hugging Face name, checks its shape, and converts the small
// vectors (norms, biases) the float ops need to f32.
#pragma once

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <memory>
#include <array>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/aligned_buffer.h"
#include "base/huge_pages.h"
#include "base/thread_pool.h"
#include "tensor/tensor.h"

namespace owl {

enum class WeightNaming { kGguf, kHf };

// f32 copies made at load (converted norm vectors, permuted or transformed tensors).
class WeightArena {
 public:
  float* alloc(size_t n);
  // n bytes, 64-byte aligned (tensors re-laid out at load, e.g. MXFP4 from Hugging Face blocks).
  uint8_t* alloc_bytes(size_t n);

 private:
  std::deque<AlignedBuffer<float>> buffers_;
};

// Tensor views by name, with the files that back them kept alive.
class WeightSource {
 public:
  WeightSource(WeightNaming naming, std::string path) : naming_(naming), path_(std::move(path)) {}
  WeightNaming naming() const { return naming_; }
  const std::string& path() const { return path_; }
  void add(const TensorView& t) { tensors_[t.name] = t; }
  const TensorView* find(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  // Keeps an object (an open file) alive as long as the source.
  void hold(std::shared_ptr<void> owner) { owners_.push_back(std::move(owner)); }
  // Storage for tensors converted at load; lives as long as the source.
  WeightArena& arena() const { return *arena_; }
  // A read-only file mapping the tensors point into: after a weight is repacked, its original
  // pages there can be dropped from memory (they fault back in from the file if read again).
  void add_mapping(const uint8_t* base, size_t size) { mappings_.push_back({base, size}); }
  void release_pages(const TensorView& t) const;

 private:
  WeightNaming naming_;
  std::unique_ptr<WeightArena> arena_ = std::make_unique<WeightArena>();
  std::vector<std::pair<const uint8_t*, size_t>> mappings_;
  std::string path_;
  std::map<std::string, TensorView> tensors_;
  std::vector<std::shared_ptr<void>> owners_;
};

// How a Hugging Face folder stores a tensor relative to its GGUF form (as llama.cpp's converter
// transforms it), so `owl synth --format hf` can write the same model in both formats.
struct HfLayout {
  int32_t unpermute_heads = 0;   // > 0: llama Q/K rows: HF = llama_unpermute_qk_rows(GGUF, heads)
  float offset = 0.0f;           // HF value = GGUF value + offset (Gemma's norms: GGUF holds 1 + w)
  int32_t interleave = 0;        // > 1: rows interleaved with the other tensors of the same HF name
  int32_t interleave_index = 0;  // (gpt-oss gate_up_proj: gate rows even, up rows odd)
  bool transposed = false;       // HF holds each matrix as [in, out] (x @ W), e.g. gpt-oss experts
  bool mxfp4_blocks = false;     // MXFP4 data goes to "<name>_blocks" / "<name>_scales" (U8)
  bool per_expert = false;       // one HF tensor per expert: "{}" in the HF name is its index
};

// A tensor an architecture asks for, as recorded for `owl synth` (which then makes it up).
struct RecordedTensor {
  std::string name;
  int n_dims = 0;
  std::array<int64_t, 4> ne = {1, 1, 1, 1};
  bool is_vector = false;     // a norm weight or bias (kept f32 in files owl writes)
  std::vector<float> values;  // fixed contents (e.g. rope frequency factors); empty: random
  std::string hf_name;        // its Hugging Face name ("" if HF has no such tensor)
  HfLayout hf;
};

class WeightBinder {
 public:
  explicit WeightBinder(const WeightSource& source)
      : source_(&source), arena_(source.arena()), naming_(source.naming()), path_(source.path()) {}
  // Recording mode: nothing is read; every required tensor is appended to `record` with its
  // name in `naming`, and the returned views have no data (vectors read as zeros).
  WeightBinder(WeightNaming naming, WeightArena& arena, std::vector<RecordedTensor>* record)
      : arena_(arena), naming_(naming), path_("(synth)"), record_(record) {}

  bool recording() const { return record_ != nullptr; }
  // Matrices bound after this are repacked for the active kernels (with this pool).
  void repack_with(ThreadPool* pool) { repack_pool_ = pool; }
  WeightNaming naming() const { return naming_; }
  const std::string& path() const { return path_; }
  // A tensor with fixed contents that files written by owl carry (recording mode only).
  void record_values(std::string_view gguf_name, std::string_view hf_name, std::vector<float> values);
  bool has(std::string_view gguf_name, std::string_view hf_name) const;

  // A weight used by the matmul kernels in its stored type. ne is the expected shape in ggml
  // order ({in, out} for a matrix; {in, out, n_experts} for stacked experts). Returns an empty
  // view (data == nullptr) when absent and not required.
  TensorView tensor(std::string_view gguf_name, std::string_view hf_name,
                    std::initializer_list<int64_t> ne, bool required = true);
  // A token-embedding table: read one row at a time (get_row), so never repacked.
  TensorView embedding(std::string_view gguf_name, std::string_view hf_name,
                       std::initializer_list<int64_t> ne);
  // The same view repacked for matmul (an embedding table that doubles as the output head).
  TensorView for_matmul(const TensorView& view);
  // A small tensor needed as f32 (norm weights, biases): converted when stored in another type.
  // Returns nullptr when absent and not required.
  const float* vector(std::string_view gguf_name, std::string_view hf_name,
                      std::initializer_list<int64_t> ne, bool required = true);
  // Same, but as a writable copy (for transforms such as Gemma's 1 + w).
  float* vector_copy(std::string_view gguf_name, std::string_view hf_name,
                     std::initializer_list<int64_t> ne, bool required = true);

  // A stored tensor as it is (any type, e.g. U8 MXFP4 blocks), shape-checked and marked used;
  // nullptr when absent and not required, or in recording mode.
  const TensorView* raw(std::string_view gguf_name, std::string_view hf_name,
                        std::initializer_list<int64_t> ne, bool required = true);
  // Recording mode: how the Hugging Face folder stores the tensor last recorded under
  // gguf_name (no-op otherwise).
  void set_hf_layout(std::string_view gguf_name, const HfLayout& layout);

  WeightArena& arena() { return arena_; }
  // Tensors of the source no binding asked for.
  std::vector<std::string> unused() const;

 private:
  const TensorView* lookup(std::string_view gguf_name, std::string_view hf_name,
                           std::initializer_list<int64_t> ne, bool required);
  const TensorView* record(std::string_view gguf_name, std::string_view hf_name,
                           std::initializer_list<int64_t> ne, bool required, bool is_vector);
  const WeightSource* source_ = nullptr;
  WeightArena& arena_;
  WeightNaming naming_;
  std::string path_;
  std::vector<RecordedTensor>* record_ = nullptr;
  ThreadPool* repack_pool_ = nullptr;
  // Repacked panels, back to back in huge pages: a small model's matrices are each below 2 MiB
  // and would otherwise be streamed through 4 KiB pages.
  PageArena panel_pages_;
  std::deque<TensorView> recorded_views_;
  std::set<std::string> used_;
};

}  // namespace owl
