// llama-2-tiny-random.gguf (written by llama.cpp's converter: F16, the full 32000-token Llama-2
// SentencePiece vocabulary, random weights) loads, tokenizes and runs, and its logits equal a
// plain double-precision Llama forward written here from the GGUF tensors (one loop per
// formula, nothing shared with owl's model code but the row reader).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/thread_pool.h"
#include "formats/gguf.h"
#include "golden_util.h"
#include "kernels/kernels.h"
#include "model/kv_cache.h"
#include "model/loader.h"
#include "tokenizer/tokenizer.h"

namespace owl::test {
namespace {

const std::string kPath = "/models/llama-2-tiny-random/llama-2-tiny-random.gguf";

using Mat = std::vector<std::vector<double>>;  // [rows][cols], a GGUF tensor's rows

Mat rows_of(const gguf::File& f, const std::string& name) {
  const TensorView* t = f.tensor(name);
  EXPECT_NE(t, nullptr) << name;
  if (t == nullptr) return {};
  const int64_t n_rows = t->n_elements() / t->ne[0];
  Mat m(static_cast<size_t>(n_rows));
  std::vector<float> row(static_cast<size_t>(t->ne[0]));
  for (int64_t r = 0; r < n_rows; ++r) {
    kernels::get_row(*t, r, row.data());
    m[r].assign(row.begin(), row.end());
  }
  return m;
}

std::vector<double> matvec(const Mat& w, const std::vector<double>& x) {  // y[r] = w[r] . x
  std::vector<double> y(w.size());
  for (size_t r = 0; r < w.size(); ++r) {
    for (size_t c = 0; c < x.size(); ++c) y[r] += w[r][c] * x[c];
  }
  return y;
}

std::vector<double> rms_norm(const std::vector<double>& x, const std::vector<double>& g, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double s = 1.0 / std::sqrt(ss / static_cast<double>(x.size()) + eps);
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * s * g[i];
  return y;
}

// GGUF llama Q/K rows are permuted so that rotary pairs are adjacent: (2i, 2i+1) per head.
void rope(std::vector<double>& v, int n_heads, int head_dim, int rot_dim, int pos, double base) {
  for (int h = 0; h < n_heads; ++h) {
    for (int i = 0; i < rot_dim; i += 2) {
      const double theta = pos * std::pow(base, -static_cast<double>(i) / rot_dim);
      double& a = v[static_cast<size_t>(h) * head_dim + i];
      double& b = v[static_cast<size_t>(h) * head_dim + i + 1];
      const double x0 = a, x1 = b;
      a = x0 * std::cos(theta) - x1 * std::sin(theta);
      b = x0 * std::sin(theta) + x1 * std::cos(theta);
    }
  }
}

// Every position's logits for `ids`, from the file alone.
std::vector<std::vector<double>> reference_logits(const gguf::File& f, const std::vector<int32_t>& ids) {
  const int dim = static_cast<int>(*f.get_int("llama.embedding_length"));
  const int n_layers = static_cast<int>(*f.get_int("llama.block_count"));
  const int n_heads = static_cast<int>(*f.get_int("llama.attention.head_count"));
  const int n_kv = static_cast<int>(f.get_int("llama.attention.head_count_kv").value_or(n_heads));
  const int head_dim = dim / n_heads;
  const int rot_dim = static_cast<int>(f.get_int("llama.rope.dimension_count").value_or(head_dim));
  const double eps = f.get_float("llama.attention.layer_norm_rms_epsilon").value_or(1e-5);
  const double base = f.get_float("llama.rope.freq_base").value_or(10000.0);
  const Mat embd = rows_of(f, "token_embd.weight");
  const Mat out = f.tensor("output.weight") != nullptr ? rows_of(f, "output.weight") : embd;
  const std::vector<double> out_norm = rows_of(f, "output_norm.weight")[0];
  std::vector<std::vector<std::vector<double>>> keys(n_layers), values(n_layers);
  std::vector<std::vector<double>> logits;
  for (size_t p = 0; p < ids.size(); ++p) {
    std::vector<double> x = embd[ids[p]];
    for (int l = 0; l < n_layers; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      const std::vector<double> h = rms_norm(x, rows_of(f, b + "attn_norm.weight")[0], eps);
      std::vector<double> q = matvec(rows_of(f, b + "attn_q.weight"), h);
      std::vector<double> k = matvec(rows_of(f, b + "attn_k.weight"), h);
      const std::vector<double> v = matvec(rows_of(f, b + "attn_v.weight"), h);
      rope(q, n_heads, head_dim, rot_dim, static_cast<int>(p), base);
      rope(k, n_kv, head_dim, rot_dim, static_cast<int>(p), base);
      keys[l].push_back(k);
      values[l].push_back(v);
      std::vector<double> att(static_cast<size_t>(dim));
      for (int hd = 0; hd < n_heads; ++hd) {
        const int kvh = hd / (n_heads / n_kv);
        std::vector<double> s(p + 1);
        double mx = -1e300;
        for (size_t j = 0; j <= p; ++j) {
          for (int d = 0; d < head_dim; ++d) s[j] += q[hd * head_dim + d] * keys[l][j][kvh * head_dim + d];
          s[j] /= std::sqrt(static_cast<double>(head_dim));
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (size_t j = 0; j <= p; ++j) {
          for (int d = 0; d < head_dim; ++d) att[hd * head_dim + d] += s[j] / sum * values[l][j][kvh * head_dim + d];
        }
      }
      const std::vector<double> o = matvec(rows_of(f, b + "attn_output.weight"), att);
      for (int i = 0; i < dim; ++i) x[i] += o[i];
      const std::vector<double> h2 = rms_norm(x, rows_of(f, b + "ffn_norm.weight")[0], eps);
      const std::vector<double> g = matvec(rows_of(f, b + "ffn_gate.weight"), h2);
      const std::vector<double> u = matvec(rows_of(f, b + "ffn_up.weight"), h2);
      std::vector<double> a(g.size());
      for (size_t i = 0; i < g.size(); ++i) a[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
      const std::vector<double> d = matvec(rows_of(f, b + "ffn_down.weight"), a);
      for (int i = 0; i < dim; ++i) x[i] += d[i];
    }
    logits.push_back(matvec(out, rms_norm(x, out_norm, eps)));
  }
  return logits;
}

TEST(TinyRandom, LoadsTokenizesAndMatchesAPlainForward) {
  const std::string path = shared_dir() + kPath;
  auto model = load_model(path);
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.vocab_size, 32000);
  const std::vector<int32_t> ids = model->tokenizer().encode("Hello world, this is a test.", true);
  ASSERT_GE(ids.size(), 5u);
  EXPECT_EQ(ids[0], 1);  // BOS
  EXPECT_EQ(model->tokenizer().decode({ids.begin() + 1, ids.end()}), "Hello world, this is a test.");

  ThreadPool pool(2);
  KvCache cache(model->kv_shapes(), 1, static_cast<int32_t>(ids.size()));
  Batch batch;
  for (size_t i = 0; i < ids.size(); ++i) batch.add(ids[i], static_cast<int32_t>(i), 0, true);
  std::vector<float> got(ids.size() * static_cast<size_t>(c.vocab_size));
  model->forward(batch, cache, got.data(), pool);

  const auto file = gguf::File::open(path);
  const auto want = reference_logits(*file, ids);
  double worst = 0, max_abs = 0;
  for (size_t p = 0; p < ids.size(); ++p) {
    for (int v = 0; v < c.vocab_size; ++v) {
      const double w = want[p][v];
      worst = std::max(worst, std::abs(w - got[p * c.vocab_size + v]));
      max_abs = std::max(max_abs, std::abs(w));
    }
  }
  std::printf("[tiny-random] %zu tokens, max |logit| %.4f, worst difference %.3g\n", ids.size(), max_abs, worst);
  // owl rounds activations to F16 before F16 matrix products (as llama.cpp does), so the
  // difference from exact arithmetic is F16 rounding, about 1e-4 of the logits' scale here.
  EXPECT_LT(worst, 2e-4 * std::max(1.0, max_abs));
}

}  // namespace
}  // namespace owl::test
