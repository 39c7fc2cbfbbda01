// Scalar dot products of K-quant weight rows (Q2_K..Q6_K) with Q8_K activation rows. Integer sums
// per sub-block; the float accumulation follows ggml's generic vec_dot (ggml-cpu/quants.c): for
// Q3_K..Q6_K eight lane sums (element index mod 8) scaled per super-block, then added at the end.
#include <cstring>

#include "base/fp16.h"
#include "kernels/reference/reference.h"
#include "tensor/blocks.h"
#include "tensor/quant.h"

namespace owl::kernels::reference {
namespace {

// Adds scale(e) * code[e] * act[e] of one super-block into eight lanes (lane = e % 8), scale
// changing every `group` elements.
inline void lane_sums(const int8_t* code, const int8_t* act, const int* scale, int group,
                      int32_t lanes[8]) {
  for (int e = 0; e < kQKK; ++e) lanes[e % 8] += scale[e / group] * (code[e] * act[e]);
}

inline float finish_lanes(float sums[8], float sumf) {
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

}  // namespace

float dot_q2_k(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ2_K*>(w);
  const auto* a = static_cast<const BlockQ8_K*>(x);
  float sum = 0;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int summs = 0;
    for (int s = 0; s < 16; ++s) summs += a[i].bsums[s] * (b[i].scales[s] >> 4);
    const float dall = a[i].d * fp16_to_fp32(b[i].d);
    const float dmin = a[i].d * fp16_to_fp32(b[i].dmin);
    int isum = 0;
    for (int s = 0; s < 16; ++s) {
      int part = 0;
      for (int e = 16 * s; e < 16 * s + 16; ++e) {
        const int h = e / 128, j = (e / 32) % 4, r = e % 32;
        part += a[i].qs[e] * ((b[i].qs[32 * h + r] >> (2 * j)) & 3);
      }
      isum += (b[i].scales[s] & 15) * part;
    }
    sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sum;
}

float dot_q3_k(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ3_K*>(w);
  const auto* a = static_cast<const BlockQ8_K*>(x);
  float sums[8] = {};
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int8_t code[kQKK];
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, j = (e / 32) % 4, r = e % 32;
      const int low = (b[i].qs[32 * h + r] >> (2 * j)) & 3;
      code[e] = static_cast<int8_t>(low - (((b[i].hmask[r] >> (4 * h + j)) & 1) ? 0 : 4));
    }
    int scale[16];
    for (int s = 0; s < 16; ++s) {
      const int low = s < 8 ? b[i].scales[s] & 15 : b[i].scales[s - 8] >> 4;
      const int high = (b[i].scales[8 + s % 4] >> (2 * (s / 4))) & 3;
      scale[s] = (low | (high << 4)) - 32;
    }
    int32_t lanes[8] = {};
    lane_sums(code, a[i].qs, scale, 16, lanes);
    const float d = fp16_to_fp32(b[i].d) * a[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * static_cast<float>(lanes[l]);
  }
  return finish_lanes(sums, 0.0f);
}

namespace {

// Q4_K and Q5_K share everything but the 5th bit.
template <typename Block, bool kHasHigh>
float dot_q45_k(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const Block*>(w);
  const auto* a = static_cast<const BlockQ8_K*>(x);
  float sums[8] = {};
  float sumf = 0;
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int8_t code[kQKK];
    for (int e = 0; e < kQKK; ++e) {
      const int s = e / 32, r = e % 32;
      const uint8_t byte = b[i].qs[32 * (s / 2) + r];
      int q = s % 2 == 0 ? byte & 15 : byte >> 4;
      if constexpr (kHasHigh) q += 16 * ((b[i].qh[r] >> s) & 1);
      code[e] = static_cast<int8_t>(q);
    }
    int scale[8], mins[8];
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      quant_detail::get_scale_min_k4(s, b[i].scales, &sc, &m);
      scale[s] = sc;
      mins[s] = m;
    }
    int summ = 0;
    for (int g = 0; g < 16; ++g) summ += a[i].bsums[g] * mins[g / 2];
    int32_t lanes[8] = {};
    lane_sums(code, a[i].qs, scale, 32, lanes);
    const float d = fp16_to_fp32(b[i].d) * a[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * static_cast<float>(lanes[l]);
    const float dmin = fp16_to_fp32(b[i].dmin) * a[i].d;
    sumf -= dmin * static_cast<float>(summ);
  }
  return finish_lanes(sums, sumf);
}

}  // namespace

float dot_q4_k(const void* w, const void* x, int64_t n) {
  return dot_q45_k<BlockQ4_K, false>(w, x, n);
}

float dot_q5_k(const void* w, const void* x, int64_t n) {
  return dot_q45_k<BlockQ5_K, true>(w, x, n);
}

float dot_q6_k(const void* w, const void* x, int64_t n) {
  const auto* b = static_cast<const BlockQ6_K*>(w);
  const auto* a = static_cast<const BlockQ8_K*>(x);
  float sums[8] = {};
  for (int64_t i = 0; i < n / kQKK; ++i) {
    int8_t code[kQKK];
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, k = (e / 32) % 4, r = e % 32;
      const uint8_t lbyte = b[i].ql[64 * h + r + (k % 2 ? 32 : 0)];
      const int low = k < 2 ? lbyte & 15 : lbyte >> 4;
      const int high = (b[i].qh[32 * h + r] >> (2 * k)) & 3;
      code[e] = static_cast<int8_t>((low | (high << 4)) - 32);
    }
    int scale[16];
    for (int s = 0; s < 16; ++s) scale[s] = b[i].scales[s];
    int32_t lanes[8] = {};
    lane_sums(code, a[i].qs, scale, 16, lanes);
    const float d = fp16_to_fp32(b[i].d) * a[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * static_cast<float>(lanes[l]);
  }
  return finish_lanes(sums, 0.0f);
}

}  // namespace owl::kernels::reference
