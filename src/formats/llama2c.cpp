// llama2.c checkpoint reader. Layout from llama2.c's run.c (memory_map_weights) and export.py
// (legacy_export): header dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
// then token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final,
// freq_cis_real, freq_cis_imag, and wcls when vocab_size < 0. Each weight matrix is stored as
// PyTorch's [out, in] (run.c's matmul reads W as (d, n) rows), i.e. ggml ne = {in, out}.
#include "formats/llama2c.h"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>

#include "base/error.h"
#include "formats/byte_reader.h"

namespace owl::llama2c {

namespace {

constexpr size_t kHeaderBytes = 7 * sizeof(int32_t);
// llama2.c's newer export versions start with this magic ("ak42" as a little-endian u32).
constexpr uint32_t kVersionedMagic = 0x616b3432;

Config read_config(formats::ByteReader& in, const std::string& path) {
  in.set_context("the 28-byte header");
  int32_t h[7];
  for (int32_t& v : h) v = in.read<int32_t>();
  if (std::memcmp(h, "GGUF", 4) == 0) fail("{}: a GGUF file, not a llama2.c checkpoint", path);
  if (static_cast<uint32_t>(h[0]) == kVersionedMagic) {
    fail(
        "{}: a versioned llama2.c export (magic \"ak42\", version {}); only the legacy format "
        "(export.py --version 0) is supported",
        path, h[1]);
  }
  Config c;
  c.dim = h[0];
  c.hidden_dim = h[1];
  c.n_layers = h[2];
  c.n_heads = h[3];
  c.n_kv_heads = h[4];
  c.shared_classifier = h[5] > 0;
  c.vocab_size = h[5] == INT32_MIN ? 0 : std::abs(h[5]);
  c.seq_len = h[6];
  const std::string header = fmt::format(
      "dim {}, hidden_dim {}, n_layers {}, n_heads {}, n_kv_heads {}, vocab_size {}, "
      "seq_len {}",
      h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
  if (c.dim <= 0 || c.hidden_dim <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 ||
      c.vocab_size <= 0 || c.seq_len <= 0) {
    fail("{}: not a llama2.c checkpoint: header has a size <= 0 ({})", path, header);
  }
  if (c.dim % c.n_heads != 0 || c.head_dim() % 2 != 0 || c.n_kv_heads > c.n_heads ||
      c.n_heads % c.n_kv_heads != 0) {
    fail("{}: not a llama2.c checkpoint: heads do not divide the model ({})", path, header);
  }
  return c;
}

// Number of floats the header implies. Every factor is below 2^31, so no term exceeds 2^96:
// 128-bit arithmetic cannot overflow.
unsigned __int128 expected_floats(const Config& c) {
  using U = unsigned __int128;
  const U dim = static_cast<U>(c.dim), hid = static_cast<U>(c.hidden_dim);
  const U L = static_cast<U>(c.n_layers), V = static_cast<U>(c.vocab_size);
  const U kv = static_cast<U>(c.kv_dim());
  const U per_layer = dim + dim * dim + 2 * dim * kv + dim * dim + dim + 3 * dim * hid;
  U n = V * dim + L * per_layer + dim + static_cast<U>(c.seq_len) * static_cast<U>(c.head_dim());
  if (!c.shared_classifier) n += V * dim;
  return n;
}

std::string uint128_string(unsigned __int128 v) {
  std::string s;
  do {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  return s;
}

}  // namespace

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& path) {
  std::unique_ptr<Checkpoint> ck(new Checkpoint());
  ck->map_ = MappedFile(path);
  formats::ByteReader in(ck->map_.data(), ck->map_.size(), path);
  ck->config_ = read_config(in, path);
  const unsigned __int128 expected = kHeaderBytes + expected_floats(ck->config_) * 4;
  if (expected != ck->map_.size()) {
    const Config& c = ck->config_;
    fail(
        "{}: the file has {} bytes, but a llama2.c checkpoint with dim {}, hidden_dim {}, "
        "{} layers, {}/{} heads, vocab {} ({} classifier) and seq_len {} has exactly {}",
        path, ck->map_.size(), c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
        c.vocab_size, c.shared_classifier ? "shared" : "separate", c.seq_len,
        uint128_string(expected));
  }
  ck->build_views();
  return ck;
}

void Checkpoint::build_views() {
  const Config& c = config_;
  const int64_t dim = c.dim, hid = c.hidden_dim, kv = c.kv_dim(), V = c.vocab_size;
  struct Array {
    const char* name;  // GGUF name (per layer: after "blk.N.")
    int64_t ne0, ne1;
    bool per_layer;
    size_t offset = 0;  // in floats from the end of the header
  };
  // In file order; each per-layer array holds all layers back to back.
  std::vector<Array> arrays = {
      {"token_embd.weight", dim, V, false},  {"attn_norm.weight", dim, 1, true},
      {"attn_q.weight", dim, dim, true},     {"attn_k.weight", dim, kv, true},
      {"attn_v.weight", dim, kv, true},      {"attn_output.weight", dim, dim, true},
      {"ffn_norm.weight", dim, 1, true},     {"ffn_gate.weight", dim, hid, true},  // w1
      {"ffn_down.weight", hid, dim, true},                                         // w2
      {"ffn_up.weight", dim, hid, true},                                           // w3
      {"output_norm.weight", dim, 1, false}, {"output.weight", dim, V, false},
  };
  size_t at = 0;
  for (Array& a : arrays) {
    if (std::strcmp(a.name, "output.weight") == 0) {
      at += static_cast<size_t>(c.seq_len) * static_cast<size_t>(c.head_dim());  // freq_cis
    }
    a.offset = at;
    at += static_cast<size_t>(a.ne0 * a.ne1) * (a.per_layer ? c.n_layers : 1);
  }
  if (c.shared_classifier) arrays.pop_back();
  const float* base = reinterpret_cast<const float*>(map_.data() + kHeaderBytes);
  auto view = [&](const Array& a, int layer) {
    TensorView t;
    t.name = a.per_layer ? fmt::format("blk.{}.{}", layer, a.name) : a.name;
    t.type = DType::kF32;
    t.n_dims = a.ne1 == 1 ? 1 : 2;
    t.ne = {a.ne0, a.ne1, 1, 1};
    t.nbytes = static_cast<size_t>(a.ne0 * a.ne1) * sizeof(float);
    t.data = reinterpret_cast<const uint8_t*>(base + a.offset +
                                              static_cast<size_t>(layer * a.ne0 * a.ne1));
    tensors_.push_back(std::move(t));
  };
  // GGUF order: the embedding, each layer's tensors together, then the output tensors.
  view(arrays[0], 0);
  for (int l = 0; l < c.n_layers; ++l) {
    for (const Array& a : arrays) {
      if (a.per_layer) view(a, l);
    }
  }
  for (size_t i = 1; i < arrays.size(); ++i) {
    if (!arrays[i].per_layer) view(arrays[i], 0);
  }
  for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
}

const TensorView* Checkpoint::tensor(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

std::optional<std::string> find_tokenizer(const std::string& checkpoint_path, int vocab_size) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(checkpoint_path).parent_path();
  for (const std::string& name :
       {fmt::format("tok{}.bin", vocab_size), std::string("tokenizer.bin")}) {
    std::error_code ec;
    fs::path p = dir / name;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return std::nullopt;
}

}  // namespace owl::llama2c
