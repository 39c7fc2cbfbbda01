// Internal: registers the direct (row-major) kernels of x86_dot_blocks.h / x86_dot_kquants.h and
// the vectorized activation converters into a kernel table; included once by each x86 ISA
// translation unit, so each registers its own compilation of them.
#pragma once

#include <algorithm>

#include "kernels/table.h"
#include "kernels/x86_act_convert.h"
#include "kernels/x86_dot_kquants.h"

namespace owl::kernels {
namespace {

// out[t] = dot(weight row, activation row t) for T tokens.
using RowKernel = void (*)(const void* w, const uint8_t* act, size_t stride, int64_t n, float* out);

template <RowKernel K1, RowKernel K2, RowKernel K3, RowKernel K4>
void gemm_tiles(const GemmArgs& a, int64_t r0, int64_t r1) {
  for (int64_t t0 = 0; t0 < a.n_tokens; t0 += 4) {
    const int nt = static_cast<int>(std::min<int64_t>(4, a.n_tokens - t0));
    const uint8_t* act = a.act + static_cast<size_t>(t0) * a.act_stride;
    for (int64_t r = r0; r < r1; ++r) {
      const uint8_t* w = a.w + static_cast<size_t>(r) * a.w_stride;
      float out[4];
      switch (nt) {
        case 1:
          K1(w, act, a.act_stride, a.k, out);
          break;
        case 2:
          K2(w, act, a.act_stride, a.k, out);
          break;
        case 3:
          K3(w, act, a.act_stride, a.k, out);
          break;
        default:
          K4(w, act, a.act_stride, a.k, out);
          break;
      }
      for (int t = 0; t < nt; ++t) a.y[(t0 + t) * a.ldy + r] = out[t];
    }
  }
}

template <RowKernel K1>
float vec_dot_of(const void* w, const void* x, int64_t n) {
  float out;
  K1(w, static_cast<const uint8_t*>(x), 0, n, &out);
  return out;
}

template <int T>
void kq4k(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
  dot_q45_k<T, false>(w, a, s, n, o);
}
template <int T>
void kq5k(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
  dot_q45_k<T, true>(w, a, s, n, o);
}
template <int T>
void kq6k(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
  dot_q6_k<T>(w, a, s, n, o);
}
template <int T>
void kq3k(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
  dot_q23_k<T, false>(w, a, s, n, o);
}
template <int T>
void kq2k(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
  dot_q23_k<T, true>(w, a, s, n, o);
}
template <int T>
void kiq4xs(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
  dot_iq4_xs<T>(w, a, s, n, o);
}

#define OWL_REGISTER_ROWS(table, dtype, K)                                \
  do {                                                                    \
    (table).vec_dot[type_index(dtype)] = vec_dot_of<K<1>>;                \
    (table).gemm[type_index(dtype)] = gemm_tiles<K<1>, K<2>, K<3>, K<4>>; \
  } while (0)

template <class D>
struct K32 {
  template <int T>
  static void run(const void* w, const uint8_t* a, size_t s, int64_t n, float* o) {
    dot32_rows<D, T>(w, a, s, n, o);
  }
};

template <class D>
void register_32(KernelTable& t, DType type) {
  t.vec_dot[type_index(type)] = vec_dot_of<K32<D>::template run<1>>;
  t.gemm[type_index(type)] = gemm_tiles<K32<D>::template run<1>, K32<D>::template run<2>,
                                        K32<D>::template run<3>, K32<D>::template run<4>>;
}

float vd_f32(const void* w, const void* x, int64_t n) {
  return dot_float(
      static_cast<const float*>(w), static_cast<const float*>(x), n,
      [](const float* p) { return _mm256_loadu_ps(p); },
      [](const float* p) { return _mm256_loadu_ps(p); });
}
float vd_f16(const void* w, const void* x, int64_t n) {
  return dot_float(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x), n, load_f16x8,
                   load_f16x8);
}
float vd_bf16(const void* w, const void* x, int64_t n) {
  return dot_float(static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x), n, load_bf16x8,
                   load_bf16x8);
}

void register_direct(KernelTable& t) {
  register_32<DecQ8_0>(t, DType::kQ8_0);
  register_32<DecQ4_0>(t, DType::kQ4_0);
  register_32<DecQ4_1>(t, DType::kQ4_1);
  register_32<DecQ5_0>(t, DType::kQ5_0);
  register_32<DecQ5_1>(t, DType::kQ5_1);
  register_32<DecIQ4_NL>(t, DType::kIQ4_NL);
  register_32<DecMXFP4>(t, DType::kMXFP4);
  OWL_REGISTER_ROWS(t, DType::kQ4_K, kq4k);
  OWL_REGISTER_ROWS(t, DType::kQ5_K, kq5k);
  OWL_REGISTER_ROWS(t, DType::kQ6_K, kq6k);
  OWL_REGISTER_ROWS(t, DType::kQ3_K, kq3k);
  OWL_REGISTER_ROWS(t, DType::kQ2_K, kq2k);
  OWL_REGISTER_ROWS(t, DType::kIQ4_XS, kiq4xs);
  t.vec_dot[type_index(DType::kF32)] = vd_f32;
  t.vec_dot[type_index(DType::kF16)] = vd_f16;
  t.vec_dot[type_index(DType::kBF16)] = vd_bf16;
  t.act_convert[static_cast<int>(ActFormat::kQ8_0)] = act_q8_0;
  t.act_convert[static_cast<int>(ActFormat::kQ8_1)] = act_q8_1;
  t.act_convert[static_cast<int>(ActFormat::kQ8_K)] = act_q8_k;
  t.act_convert[static_cast<int>(ActFormat::kF16)] = act_f16;
  t.act_convert[static_cast<int>(ActFormat::kBF16)] = act_bf16;
}

}  // namespace
}  // namespace owl::kernels
