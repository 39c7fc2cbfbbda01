// Multi-head latent attention: the absorbed form over the latent cache (what owl runs) equals
// the textbook unabsorbed form (per-head keys W_UK c and values W_UV c, full multi-head
// attention), computed here in double from the same weights; and DeepSeek Sparse Attention:
// equal to dense MLA while the context fits index_topk, and beyond it restricted to the top-k
// positions of the lightning indexer, worked out here by hand.
#include "model/blocks/mla.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <unistd.h>

#include "base/mapped_file.h"
#include "formats/gguf.h"
#include "golden_util.h"
#include "kernels/kernels.h"
#include "model/config_reader.h"
#include "model/registry.h"
#include "model/synth.h"

namespace owl::test {
namespace {

namespace fs = std::filesystem;
using Vec = std::vector<double>;

// A GGUF's config and its layer weights, bound the way the model binds them.
struct Loaded {
  std::shared_ptr<gguf::File> file;
  ModelConfig config;
  std::unique_ptr<WeightSource> source;
  std::unique_ptr<WeightBinder> binder;
};

Loaded load(const std::string& path) {
  Loaded l;
  l.file = gguf::File::open(path);
  const Architecture* arch = find_architecture_gguf(l.file->architecture());
  EXPECT_NE(arch, nullptr);
  l.config = arch->read_config(ConfigReader(*l.file, l.file->architecture()));
  l.source = std::make_unique<WeightSource>(WeightNaming::kGguf, path);
  for (const TensorView& t : l.file->tensors()) l.source->add(t);
  l.binder = std::make_unique<WeightBinder>(*l.source);
  return l;
}

Vec matvec(const TensorView& m, const Vec& x) {
  EXPECT_EQ(static_cast<size_t>(m.ne[0]), x.size());
  Vec y(static_cast<size_t>(m.ne[1]));
  std::vector<float> row(static_cast<size_t>(m.ne[0]));
  for (int64_t o = 0; o < m.ne[1]; ++o) {
    kernels::get_row(m, o, row.data());
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += row[i] * x[i];
    y[o] = s;
  }
  return y;
}

Vec rms_norm(const Vec& x, const float* w, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double inv = 1.0 / std::sqrt(ss / x.size() + eps);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * inv * w[i];
  return y;
}

// Rotates x[off .. off + n_rot) as `rope` does at position pos (the frequencies, YaRN included,
// come from owl's Rope, which the golden tests check; the point here is the attention).
void rotate(const Rope& rope, int32_t pos, Vec& x, size_t off) {
  std::vector<float> cs(static_cast<size_t>(rope.n_rot())), v(static_cast<size_t>(rope.n_rot()));
  rope.table(pos, cs.data());
  for (int32_t i = 0; i < rope.n_rot(); ++i) v[i] = static_cast<float>(x[off + i]);
  rope.apply(cs.data(), v.data(), 1, rope.n_rot());
  for (int32_t i = 0; i < rope.n_rot(); ++i) x[off + i] = v[i];
}

// The unabsorbed reference: out[t] for hidden states h[0..T), token t at position t, attending
// to the positions allowed[t] (all of 0..t when empty).
std::vector<Vec> unabsorbed(const ModelConfig& c, const MlaWeights& w, const std::vector<Vec>& h,
                            const std::vector<std::vector<int32_t>>& allowed) {
  const int32_t H = c.n_heads, nope = c.mla.qk_nope_dim, rope = c.rope.n_rot, v = c.value_dim;
  const int32_t kvl = c.mla.kv_lora_rank, qk = nope + rope;
  const Rope r(c.rope, qk);
  const size_t T = h.size();
  std::vector<Vec> q(T), k(T), val(T);
  for (size_t t = 0; t < T; ++t) {
    q[t] = matvec(w.wq_b, rms_norm(matvec(w.wq_a, h[t]), w.q_a_norm, c.norm_eps));
    for (int32_t j = 0; j < H; ++j) rotate(r, static_cast<int32_t>(t), q[t], j * qk + nope);
    Vec kv = matvec(w.wkv_a, h[t]);
    const Vec latent = rms_norm(Vec(kv.begin(), kv.begin() + kvl), w.kv_a_norm, c.norm_eps);
    rotate(r, static_cast<int32_t>(t), kv, kvl);
    k[t].assign(static_cast<size_t>(H) * qk, 0.0);
    val[t].assign(static_cast<size_t>(H) * v, 0.0);
    for (int32_t j = 0; j < H; ++j) {
      // W_UK c: attn_k_b holds W_UK^T ([kv_lora] rows of [nope]); W_UV c: attn_v_b rows.
      std::vector<float> row(static_cast<size_t>(nope));
      for (int32_t cc = 0; cc < kvl; ++cc) {
        kernels::get_row(w.wk_b[j], cc, row.data());
        for (int32_t d = 0; d < nope; ++d) k[t][j * qk + d] += row[d] * latent[cc];
      }
      for (int32_t d = 0; d < rope; ++d) k[t][j * qk + nope + d] = kv[kvl + d];
      const Vec vt = matvec(w.wv_b[j], latent);
      std::copy(vt.begin(), vt.end(), val[t].begin() + j * v);
    }
  }
  std::vector<Vec> out(T);
  for (size_t t = 0; t < T; ++t) {
    std::vector<int32_t> pos = allowed[t];
    if (pos.empty()) {
      pos.resize(t + 1);
      std::iota(pos.begin(), pos.end(), 0);
    }
    Vec o(static_cast<size_t>(H) * v, 0.0);
    for (int32_t j = 0; j < H; ++j) {
      Vec s(pos.size());
      double m = -1e300, sum = 0;
      for (size_t i = 0; i < pos.size(); ++i) {
        double d = 0;
        for (int32_t e = 0; e < qk; ++e) d += q[t][j * qk + e] * k[pos[i]][j * qk + e];
        s[i] = d * c.mla.attn_scale;
        m = std::max(m, s[i]);
      }
      for (double& x : s) sum += (x = std::exp(x - m));
      for (size_t i = 0; i < pos.size(); ++i) {
        for (int32_t e = 0; e < v; ++e) o[j * v + e] += s[i] / sum * val[pos[i]][j * v + e];
      }
    }
    out[t] = matvec(w.wo, o);
  }
  return out;
}

std::vector<Vec> random_states(size_t T, int64_t hidden, uint32_t seed) {
  std::vector<Vec> h(T, Vec(static_cast<size_t>(hidden)));
  for (Vec& x : h) {
    for (double& v : x) {
      seed = seed * 1664525u + 1013904223u;
      v = (static_cast<double>(seed >> 8) / 16777216.0 - 0.5) * 3.0;
    }
  }
  return h;
}

// Runs the block over h: the first `prefill` tokens as one batch, the rest one at a time.
std::vector<Vec> run_block(MlaAttention& a, const ModelConfig& c, const MlaWeights& w,
                           const std::vector<Vec>& h, int32_t prefill,
                           std::vector<std::vector<int32_t>>* selected = nullptr) {
  ThreadPool pool(2);
  KvCache cache({mla_kv_shape(c)}, 1, static_cast<int32_t>(h.size()));
  const int64_t hidden = c.hidden_size;
  std::vector<Vec> out;
  for (int32_t t0 = 0; t0 < static_cast<int32_t>(h.size());) {
    const int32_t n = t0 == 0 ? prefill : 1;
    Batch b;
    std::vector<float> x(static_cast<size_t>(n * hidden)), y(static_cast<size_t>(n * hidden));
    for (int32_t i = 0; i < n; ++i) {
      b.add(0, t0 + i, 0, true);
      std::copy(h[t0 + i].begin(), h[t0 + i].end(), x.begin() + i * hidden);
    }
    a.forward(w, b, x.data(), cache, 0, y.data(), pool);
    for (int32_t i = 0; i < n; ++i) {
      out.emplace_back(y.begin() + i * hidden, y.begin() + (i + 1) * hidden);
      if (selected != nullptr) selected->push_back(a.selected(i));
    }
    t0 += n;
  }
  return out;
}

double max_rel_diff(const std::vector<Vec>& a, const std::vector<Vec>& b) {
  double m = 0, scale = 0;
  for (size_t t = 0; t < a.size(); ++t) {
    for (size_t i = 0; i < a[t].size(); ++i) {
      m = std::max(m, std::fabs(a[t][i] - b[t][i]));
      scale = std::max(scale, std::fabs(b[t][i]));
    }
  }
  return m / scale;
}

// llama.cpp's deepseek2 GGUF (attn_k_b / attn_v_b): layer 1 of the golden model.
TEST(Mla, LatentCacheEqualsUnabsorbedAttention) {
  Loaded l = load(shared_dir() + "/golden/deepseek2/model.gguf");
  const ModelConfig& c = l.config;
  ASSERT_GT(c.mla.q_lora_rank, 0);
  const MlaWeights w = bind_mla(c, 1, *l.binder);
  const std::vector<Vec> h = random_states(11, c.hidden_size, 5);
  const std::vector<Vec> want = unabsorbed(c, w, h, std::vector<std::vector<int32_t>>(h.size()));
  MlaAttention a(c);
  const std::vector<Vec> got = run_block(a, c, w, h, 7);
  const double d = max_rel_diff(got, want);
  std::printf("[mla] absorbed vs unabsorbed: max |diff| / max |out| = %.3g\n", d);
  EXPECT_LT(d, 1e-5);
  // The cache holds kv_lora + rope floats per position, not n_heads * (nope + rope + v).
  EXPECT_EQ(mla_kv_shape(c).k_width, c.mla.kv_lora_rank + c.rope.n_rot);
  EXPECT_EQ(mla_kv_shape(c).v_width, 0);
}

// A DeepSeek-V3.2-shaped model from `owl synth` (its published config, shrunk; index_topk 4).
class Dsa : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    nlohmann::json cfg = nlohmann::json::parse(read_file(shared_dir() + "/configs/DeepSeek-V3.2/config.json"));
    cfg.erase("quantization_config");
    for (auto [k, v] : std::map<std::string, int>{{"vocab_size", 256}, {"hidden_size", 64}, {"num_hidden_layers", 1},
                                                  {"first_k_dense_replace", 1}, {"num_attention_heads", 4},
                                                  {"num_key_value_heads", 4}, {"q_lora_rank", 48},
                                                  {"kv_lora_rank", 32}, {"qk_nope_head_dim", 16},
                                                  {"qk_rope_head_dim", 8}, {"v_head_dim", 16},
                                                  {"intermediate_size", 32}, {"moe_intermediate_size", 16},
                                                  {"n_routed_experts", 8}, {"num_experts_per_tok", 2},
                                                  {"n_group", 4}, {"topk_group", 2}, {"index_n_heads", 4},
                                                  {"index_head_dim", 16}, {"index_topk", 4}}) {
      cfg[k] = v;
    }
    cfg["initializer_range"] = 0.2;
    dir_ = (fs::temp_directory_path() / ("owl_dsa_test_" + std::to_string(::getpid()))).string();
    fs::create_directories(dir_);
    std::ofstream(dir_ + "/config.json") << cfg.dump();
    SynthOptions o;
    o.config_path = dir_ + "/config.json";
    o.out_path = dir_ + "/model.gguf";
    o.threads = 2;
    synthesize_model(o);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string dir_;
};
std::string Dsa::dir_;

TEST_F(Dsa, ShortContextEqualsDenseMla) {
  Loaded l = load(dir_ + "/model.gguf");
  const ModelConfig& c = l.config;
  ASSERT_EQ(c.dsa.topk, 4);
  const MlaWeights w = bind_mla(c, 0, *l.binder);
  ModelConfig dense = c;
  dense.dsa = {};
  const std::vector<Vec> h = random_states(4, c.hidden_size, 9);
  MlaAttention sparse_attn(c), dense_attn(dense);
  std::vector<std::vector<int32_t>> sel;
  const std::vector<Vec> a = run_block(sparse_attn, c, w, h, 2, &sel);
  const std::vector<Vec> b = run_block(dense_attn, dense, w, h, 2);
  for (const auto& s : sel) EXPECT_TRUE(s.empty()) << "no restriction within index_topk positions";
  EXPECT_EQ(max_rel_diff(a, b), 0.0);
}

// The indexer of DeepSeek-V3.2 (its inference code; llama.cpp deepseek32): q from the normed
// query latent, k = LayerNorm(W_k x), both [rope | nope] with NeoX RoPE on the first part,
// head weights W_proj x / sqrt(heads * dim), I(t, s) = sum_j w_j relu(q_j . k_s).
std::vector<std::vector<int32_t>> top_k_by_hand(const ModelConfig& c, const MlaWeights& w,
                                                const std::vector<Vec>& h) {
  const int32_t nh = c.dsa.n_heads, hd = c.dsa.head_dim;
  RopeConfig rc = c.rope;
  rc.style = RopeStyle::kNeox;
  const Rope r(rc, hd);
  std::vector<Vec> q(h.size()), k(h.size()), wt(h.size());
  std::vector<float> kn(static_cast<size_t>(hd));
  for (size_t t = 0; t < h.size(); ++t) {
    q[t] = matvec(w.idx_q_b, rms_norm(matvec(w.wq_a, h[t]), w.q_a_norm, c.norm_eps));
    for (int32_t j = 0; j < nh; ++j) rotate(r, static_cast<int32_t>(t), q[t], j * hd);
    k[t] = matvec(w.idx_k, h[t]);
    double mean = 0, var = 0;
    for (double x : k[t]) mean += x / hd;
    for (double x : k[t]) var += (x - mean) * (x - mean) / hd;
    for (int32_t i = 0; i < hd; ++i) {
      k[t][i] = (k[t][i] - mean) / std::sqrt(var + 1e-6) * w.idx_k_norm[i] + w.idx_k_norm_b[i];
    }
    rotate(r, static_cast<int32_t>(t), k[t], 0);
    wt[t] = matvec(w.idx_proj, h[t]);
  }
  std::vector<std::vector<int32_t>> sel(h.size());
  for (size_t t = 0; t < h.size(); ++t) {
    if (static_cast<int32_t>(t) + 1 <= c.dsa.topk) continue;
    std::vector<std::pair<double, int32_t>> score;
    for (size_t s = 0; s <= t; ++s) {
      double sum = 0;
      for (int32_t j = 0; j < nh; ++j) {
        double d = 0;
        for (int32_t i = 0; i < hd; ++i) d += q[t][j * hd + i] * k[s][i];
        sum += wt[t][j] / std::sqrt(static_cast<double>(nh * hd)) * std::max(0.0, d);
      }
      score.push_back({-sum, static_cast<int32_t>(s)});
    }
    std::sort(score.begin(), score.end());
    for (int32_t i = 0; i < c.dsa.topk; ++i) sel[t].push_back(score[i].second);
    std::sort(sel[t].begin(), sel[t].end());
  }
  return sel;
}

TEST_F(Dsa, LongContextAttendsOnlyToIndexerTopK) {
  Loaded l = load(dir_ + "/model.gguf");
  const ModelConfig& c = l.config;
  const MlaWeights w = bind_mla(c, 0, *l.binder);
  const std::vector<Vec> h = random_states(12, c.hidden_size, 21);
  const std::vector<std::vector<int32_t>> want_sel = top_k_by_hand(c, w, h);
  MlaAttention a(c);
  std::vector<std::vector<int32_t>> sel;
  const std::vector<Vec> got = run_block(a, c, w, h, 8, &sel);
  int restricted = 0;
  for (size_t t = 0; t < h.size(); ++t) {
    EXPECT_EQ(sel[t], want_sel[t]) << "token " << t;
    restricted += sel[t].empty() ? 0 : 1;
  }
  EXPECT_EQ(restricted, 8);  // positions 4..11
  const double d = max_rel_diff(got, unabsorbed(c, w, h, want_sel));
  std::printf("[dsa] restricted attention vs by hand: %.3g\n", d);
  EXPECT_LT(d, 1e-5);
  // And the restriction matters: dense attention over all positions gives other outputs.
  const std::vector<Vec> dense = unabsorbed(c, w, h, std::vector<std::vector<int32_t>>(h.size()));
  EXPECT_GT(max_rel_diff(got, dense), 1e-3);
}

}  // namespace
}  // namespace owl::test
