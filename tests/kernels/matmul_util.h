// Test helpers: random quantized weights, and a float64 matmul over dequantized weights and
// activations rounded the way the kernels round them.
#pragma once

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "base/fp16.h"
#include "kernels/kernels.h"
#include "tensor/blocks.h"
#include "tensor/quant.h"

namespace owl::kernels::testing {

inline const std::vector<DType>& all_matmul_types() {
  static const std::vector<DType> types = {
      DType::kF32,  DType::kF16,    DType::kBF16,   DType::kQ8_0, DType::kQ4_0, DType::kQ4_1,
      DType::kQ5_0, DType::kQ5_1,   DType::kQ2_K,   DType::kQ3_K, DType::kQ4_K, DType::kQ5_K,
      DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4};
  return types;
}

inline std::string type_label(DType t) { return std::string(dtype_name(t)); }

// Normal values with a per-32 scale factor (like real weights) and a per-row offset.
inline std::vector<float> random_matrix(int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uni(-1.5f, 1.5f);
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    const float offset = 0.1f * normal(rng);
    for (int64_t c = 0; c < cols; c += 32) {
      const float scale = std::exp(uni(rng));
      for (int64_t j = c; j < c + 32 && j < cols; ++j)
        v[r * cols + j] = scale * normal(rng) + offset;
    }
  }
  return v;
}

// A weight tensor owning its bytes.
struct Weight {
  std::vector<uint8_t> bytes;
  TensorView view;
};

inline Weight make_weight(DType type, const std::vector<float>& src, int64_t rows, int64_t cols) {
  Weight w;
  const size_t rb = row_bytes(type, cols);
  w.bytes.resize(rb * static_cast<size_t>(rows) + 64);
  for (int64_t r = 0; r < rows; ++r) {
    quantize_row(type, src.data() + r * cols, w.bytes.data() + rb * r, cols);
  }
  w.view.name = "test." + type_label(type);
  w.view.type = type;
  w.view.n_dims = 2;
  w.view.ne = {cols, rows, 1, 1};
  w.view.data = w.bytes.data();
  w.view.nbytes = rb * static_cast<size_t>(rows);
  return w;
}

// The activation row as the kernels see it (after their rounding), in f64, plus for Q8_1 the
// rounded block sums s the Q4_1/Q5_1 kernels use for the min term.
struct RoundedAct {
  std::vector<double> value;
  std::vector<double> block_s;
};

inline RoundedAct round_activation(DType wtype, const float* x, int64_t k) {
  RoundedAct r;
  r.value.resize(static_cast<size_t>(k));
  switch (wtype) {
    case DType::kF32:
      for (int64_t i = 0; i < k; ++i) r.value[i] = x[i];
      break;
    case DType::kF16:
      for (int64_t i = 0; i < k; ++i) r.value[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
      break;
    case DType::kBF16:
      for (int64_t i = 0; i < k; ++i) r.value[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
      break;
    case DType::kQ4_1:
    case DType::kQ5_1: {
      std::vector<BlockQ8_1> b(static_cast<size_t>(k / 32));
      quantize_act_q8_1(x, b.data(), k);
      for (int64_t i = 0; i < k; ++i)
        r.value[i] = static_cast<double>(fp16_to_fp32(b[i / 32].d)) * b[i / 32].qs[i % 32];
      for (const BlockQ8_1& blk : b) r.block_s.push_back(fp16_to_fp32(blk.s));
      break;
    }
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_XS: {
      std::vector<BlockQ8_K> b(static_cast<size_t>(k / 256));
      quantize_act_q8_k(x, b.data(), k);
      for (int64_t i = 0; i < k; ++i)
        r.value[i] = static_cast<double>(b[i / 256].d) * b[i / 256].qs[i % 256];
      break;
    }
    default: {
      std::vector<BlockQ8_0> b(static_cast<size_t>(k / 32));
      quantize_act_q8_0(x, b.data(), k);
      for (int64_t i = 0; i < k; ++i)
        r.value[i] = static_cast<double>(fp16_to_fp32(b[i / 32].d)) * b[i / 32].qs[i % 32];
      break;
    }
  }
  return r;
}

// Expected y[t][r] in f64 and a scale for the tolerance (sum |w| |x| over the row).
struct Expected {
  std::vector<double> y;    // [n_tokens][rows]
  std::vector<double> mag;  // [n_tokens][rows]
};

inline Expected expected_matmul(const Weight& w, const float* x, int64_t ldx, int64_t n_tokens) {
  const int64_t k = w.view.ne[0], m = w.view.ne[1];
  Expected e;
  e.y.assign(static_cast<size_t>(n_tokens * m), 0.0);
  e.mag.assign(static_cast<size_t>(n_tokens * m), 0.0);
  std::vector<float> row(static_cast<size_t>(k));
  const bool has_min = w.view.type == DType::kQ4_1 || w.view.type == DType::kQ5_1;
  for (int64_t t = 0; t < n_tokens; ++t) {
    const RoundedAct a = round_activation(w.view.type, x + t * ldx, k);
    for (int64_t r = 0; r < m; ++r) {
      get_row(w.view, r, row.data());
      double s = 0, mag = 0;
      for (int64_t i = 0; i < k; ++i) {
        s += static_cast<double>(row[i]) * a.value[i];
        mag += std::fabs(static_cast<double>(row[i]) * a.value[i]);
      }
      if (has_min) {
        // The kernels use m * s with s = f16(d * sum q): replace sum(m * d * q) by it.
        const uint8_t* rb = w.view.row(r);
        for (int64_t b = 0; b < k / 32; ++b) {
          uint16_t mh;
          std::memcpy(&mh, rb + b * block_bytes(w.view.type) + 2, 2);
          const double mm = fp16_to_fp32(mh);
          double exact = 0;
          for (int j = 0; j < 32; ++j) exact += a.value[b * 32 + j];
          s += mm * (a.block_s[b] - exact);
          mag += std::fabs(mm * a.block_s[b]);
        }
      }
      e.y[t * m + r] = s;
      e.mag[t * m + r] = mag;
    }
  }
  return e;
}

}  // namespace owl::kernels::testing
