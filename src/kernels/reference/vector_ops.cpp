// Scalar vector ops of a transformer layer in f32, with ggml's accumulation choices (reductions
// of f32 terms summed in double, as ggml's ggml_float sums in ggml-cpu/ops.cpp and vec.cpp).
#include <cmath>
#include <mutex>
#include <vector>

#include "base/fp16.h"
#include "kernels/reference/reference.h"

namespace owl::kernels::reference {
namespace {

// GELU with the tanh approximation, written as ggml_gelu_f32 evaluates it in f32.
inline float gelu_tanh(float x) {
  constexpr float kA = 0.044715f;
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kA * x * x)));
}

}  // namespace

void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = w != nullptr ? (x[i] * scale) * w[i] : x[i] * scale;
}

void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
  const float mean = static_cast<float>(sum) / static_cast<float>(n);
  double var = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] - mean;
    y[i] = v;
    var += static_cast<double>(v * v);
  }
  const float variance = static_cast<float>(var / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(variance + eps);
  for (int64_t i = 0; i < n; ++i) {
    float v = y[i] * scale;
    if (w != nullptr) v *= w[i];
    if (b != nullptr) v += b[i];
    y[i] = v;
  }
}

void softmax(float* x, int64_t n) {
  if (n <= 0) return;
  float max = -INFINITY;
  for (int64_t i = 0; i < n; ++i) max = std::fmax(max, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - max);
    sum += static_cast<double>(x[i]);
  }
  const float inv = static_cast<float>(1.0 / sum);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void silu_mul(const float* g, const float* u, float* o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = (g[i] / (1.0f + std::exp(-g[i]))) * u[i];
}

void gelu_mul(const float* g, const float* u, float* o, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = gelu_tanh(g[i]) * u[i];
}

void gelu_mul_fp16_table(const float* g, const float* u, float* o, int64_t n) {
  // llama.cpp's CPU GELU (GGML_GELU_FP16): input rounded to f16, gelu looked up in a table of
  // f16 results; |x| >= 10 bypasses the table.
  static std::vector<uint16_t> table;
  static std::once_flag once;
  std::call_once(once, [] {
    table.resize(65536);
    for (uint32_t h = 0; h < 65536; ++h) {
      table[h] = fp32_to_fp16(gelu_tanh(fp16_to_fp32(static_cast<uint16_t>(h))));
    }
  });
  for (int64_t i = 0; i < n; ++i) {
    const float x = g[i];
    float v;
    if (x <= -10.0f) {
      v = 0.0f;
    } else if (x >= 10.0f) {
      v = x;
    } else {
      v = fp16_to_fp32(table[fp32_to_fp16(x)]);
    }
    o[i] = v * u[i];
  }
}

void add(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

float dot(const float* a, const float* b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(s);
}

void axpy(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i] * a;
}

void scale(float a, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] *= a;
}

void f16_to_f32(const uint16_t* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

void exp_shift(const float* x, float shift, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i] - shift);
}

}  // namespace owl::kernels::reference
