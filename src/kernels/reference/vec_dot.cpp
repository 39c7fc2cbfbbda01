// Scalar dot products of a weight row with a converted activation row, for every weight type:
// the specification the SIMD kernels are tested against. Integer sums per block, then float
// scaling accumulated in the order of ggml's generic vec_dot (ggml-cpu/quants.c, vec.cpp), so the
// numerics are llama.cpp's CPU numerics up to summation order.
#include <cstring>

#include "base/fp16.h"
#include "kernels/reference/reference.h"
#include "tensor/blocks.h"
#include "tensor/quant.h"

namespace owl::kernels::reference {
namespace {

// Integer dot of a 32-element 4-bit block (Q4_0 nibble order, codes mapped through map[]) with
// 32 int8 activations.
template <typename Map>
inline int dot_nibbles(const uint8_t* qs, const int8_t* a, Map map) {
  int s0 = 0, s1 = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    s0 += map(qs[j] & 15) * a[j];
    s1 += map(qs[j] >> 4) * a[j + kQK / 2];
  }
  return s0 + s1;
}

inline int q5_code(const uint8_t* qs, uint32_t qh, int j) {
  const int nib = j < kQK / 2 ? qs[j] & 15 : qs[j - kQK / 2] >> 4;
  return nib | static_cast<int>(((qh >> j) & 1u) << 4);
}

}  // namespace

float dot_f32(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const float*>(w);
  const auto* b = static_cast<const float*>(x);
  double s = 0;  // ggml_vec_dot_f32 accumulates float products in double (ggml_float)
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(s);
}

float dot_f16(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(x);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(fp16_to_fp32(a[i]) * fp16_to_fp32(b[i]));
  return static_cast<float>(s);
}

float dot_bf16(const void* w, const void* x, int64_t n) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(x);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(bf16_to_fp32(a[i]) * bf16_to_fp32(b[i]));
  return static_cast<float>(s);
}

float dot_q4_0(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(w);
  const auto* a = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int si = dot_nibbles(b[i].qs, a[i].qs, [](int q) { return q - 8; });
    sum += static_cast<float>(si) * fp16_to_fp32(b[i].d) * fp16_to_fp32(a[i].d);
  }
  return sum;
}

float dot_q4_1(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ4_1*>(w);
  const auto* a = static_cast<const BlockQ8_1*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int si = dot_nibbles(b[i].qs, a[i].qs, [](int q) { return q; });
    sum += (fp16_to_fp32(b[i].d) * fp16_to_fp32(a[i].d)) * static_cast<float>(si) +
           fp16_to_fp32(b[i].m) * fp16_to_fp32(a[i].s);
  }
  return sum;
}

float dot_q5_0(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ5_0*>(w);
  const auto* a = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    int si = 0;
    for (int j = 0; j < kQK; ++j) si += (q5_code(b[i].qs, qh, j) - 16) * a[i].qs[j];
    sum += (fp16_to_fp32(b[i].d) * fp16_to_fp32(a[i].d)) * static_cast<float>(si);
  }
  return sum;
}

float dot_q5_1(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ5_1*>(w);
  const auto* a = static_cast<const BlockQ8_1*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    int si = 0;
    for (int j = 0; j < kQK; ++j) si += q5_code(b[i].qs, qh, j) * a[i].qs[j];
    sum += (fp16_to_fp32(b[i].d) * fp16_to_fp32(a[i].d)) * static_cast<float>(si) +
           fp16_to_fp32(b[i].m) * fp16_to_fp32(a[i].s);
  }
  return sum;
}

float dot_q8_0(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ8_0*>(w);
  const auto* a = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int si = 0;
    for (int j = 0; j < kQK; ++j) si += b[i].qs[j] * a[i].qs[j];
    sum += static_cast<float>(si) * (fp16_to_fp32(b[i].d) * fp16_to_fp32(a[i].d));
  }
  return sum;
}

float dot_iq4_nl(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockIQ4_NL*>(w);
  const auto* a = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(a[i].d) * fp16_to_fp32(b[i].d);
    sum += d *
           static_cast<float>(dot_nibbles(b[i].qs, a[i].qs, [](int q) { return kIQ4NLValues[q]; }));
  }
  return sum;
}

float dot_mxfp4(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockMXFP4*>(w);
  const auto* a = static_cast<const BlockQ8_0*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(a[i].d) * e8m0_to_fp32_half(b[i].e);
    sum += d *
           static_cast<float>(dot_nibbles(b[i].qs, a[i].qs, [](int q) { return kMXFP4Values[q]; }));
  }
  return sum;
}

float dot_iq4_xs(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockIQ4_XS*>(w);
  const auto* a = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float d4d8 = fp16_to_fp32(b[i].d) * a[i].d;
    for (int s = 0; s < 8; ++s) {
      const int ls =
          ((b[i].scales_l[s / 2] >> (4 * (s % 2))) & 15) | (((b[i].scales_h >> (2 * s)) & 3) << 4);
      const int si =
          dot_nibbles(b[i].qs + 16 * s, a[i].qs + 32 * s, [](int q) { return kIQ4NLValues[q]; });
      sum += (d4d8 * static_cast<float>(ls - 32)) * static_cast<float>(si);
    }
  }
  return sum;
}

}  // namespace owl::kernels::reference
