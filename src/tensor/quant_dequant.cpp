// Reference decoders of every stored weight type to f32 (layouts: ../shared/quant/README.md).
// Each value is dl * q (- ml) in f32; the products are exact, so these match ggml bit for bit.
#include "tensor/quant.h"

#include <cstring>

#include "base/error.h"
#include "base/fp16.h"

namespace owl {
namespace {

using quant_detail::get_scale_min_k4;

void dequant_q4_0(const BlockQ4_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>((b[i].qs[j] & 15) - 8);
      y[j + kQK / 2] = d * static_cast<float>((b[i].qs[j] >> 4) - 8);
    }
  }
}

void dequant_q4_1(const BlockQ4_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>(b[i].qs[j] & 15) + m;
      y[j + kQK / 2] = d * static_cast<float>(b[i].qs[j] >> 4) + m;
    }
  }
}

// The 5-bit value of element j of a Q5_0/Q5_1 block.
inline int q5_value(const uint8_t* qs, uint32_t qh, int j) {
  const int nib = j < kQK / 2 ? qs[j] & 15 : qs[j - kQK / 2] >> 4;
  return nib | static_cast<int>(((qh >> j) & 1u) << 4);
}

void dequant_q5_0(const BlockQ5_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    for (int j = 0; j < kQK; ++j) y[j] = d * static_cast<float>(q5_value(b[i].qs, qh, j) - 16);
  }
}

void dequant_q5_1(const BlockQ5_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    for (int j = 0; j < kQK; ++j) y[j] = d * static_cast<float>(q5_value(b[i].qs, qh, j)) + m;
  }
}

void dequant_q8_0(const BlockQ8_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK; ++j) y[j] = d * static_cast<float>(b[i].qs[j]);
  }
}

// Shared by IQ4_NL and MXFP4: a 16-entry table indexed by nibbles in Q4_0 order.
void dequant_table4(const uint8_t* qs, float d, const int8_t* table, float* y) {
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = d * static_cast<float>(table[qs[j] & 15]);
    y[j + kQK / 2] = d * static_cast<float>(table[qs[j] >> 4]);
  }
}

void dequant_iq4_nl(const BlockIQ4_NL* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    dequant_table4(b[i].qs, fp16_to_fp32(b[i].d), kIQ4NLValues, y);
  }
}

void dequant_mxfp4(const BlockMXFP4* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQK) {
    dequant_table4(b[i].qs, e8m0_to_fp32_half(b[i].e), kMXFP4Values, y);
  }
}

void dequant_iq4_xs(const BlockIQ4_XS* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    for (int s = 0; s < kQKK / 32; ++s, y += 32) {
      const int ls =
          ((b[i].scales_l[s / 2] >> (4 * (s % 2))) & 15) | (((b[i].scales_h >> (2 * s)) & 3) << 4);
      dequant_table4(b[i].qs + 16 * s, d * static_cast<float>(ls - 32), kIQ4NLValues, y);
    }
  }
}

void dequant_q2_k(const BlockQ2_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQKK) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, j = (e / 32) % 4, r = e % 32;
      const uint8_t sc = b[i].scales[e / 16];
      const int q = (b[i].qs[32 * h + r] >> (2 * j)) & 3;
      y[e] = (d * static_cast<float>(sc & 15)) * static_cast<float>(q) -
             dmin * static_cast<float>(sc >> 4);
    }
  }
}

// Signed 6-bit scale of sub-block s (0..15) of a Q3_K block.
int q3k_scale(const uint8_t* scales, int s) {
  const int low = s < 8 ? scales[s] & 15 : scales[s - 8] >> 4;
  const int high = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
  return (low | (high << 4)) - 32;
}

void dequant_q3_k(const BlockQ3_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQKK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, j = (e / 32) % 4, r = e % 32;
      const int low = (b[i].qs[32 * h + r] >> (2 * j)) & 3;
      const bool high = (b[i].hmask[r] >> (4 * h + j)) & 1;
      const int q = low - (high ? 0 : 4);
      y[e] = (d * static_cast<float>(q3k_scale(b[i].scales, e / 16))) * static_cast<float>(q);
    }
  }
}

void dequant_q4_k(const BlockQ4_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQKK) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      get_scale_min_k4(s, b[i].scales, &sc, &m);
      const float dl = d * static_cast<float>(sc), ml = dmin * static_cast<float>(m);
      const uint8_t* qs = b[i].qs + 32 * (s / 2);
      for (int r = 0; r < 32; ++r) {
        const int q = s % 2 == 0 ? qs[r] & 15 : qs[r] >> 4;
        y[32 * s + r] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

void dequant_q5_k(const BlockQ5_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQKK) {
    const float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      get_scale_min_k4(s, b[i].scales, &sc, &m);
      const float dl = d * static_cast<float>(sc), ml = dmin * static_cast<float>(m);
      const uint8_t* qs = b[i].qs + 32 * (s / 2);
      for (int r = 0; r < 32; ++r) {
        const int nib = s % 2 == 0 ? qs[r] & 15 : qs[r] >> 4;
        const int q = nib + 16 * ((b[i].qh[r] >> s) & 1);
        y[32 * s + r] = dl * static_cast<float>(q) - ml;
      }
    }
  }
}

void dequant_q6_k(const BlockQ6_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += kQKK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int e = 0; e < kQKK; ++e) {
      const int h = e / 128, k = (e / 32) % 4, r = e % 32;
      const uint8_t lbyte = b[i].ql[64 * h + r + (k % 2 ? 32 : 0)];
      const int low = k < 2 ? lbyte & 15 : lbyte >> 4;
      const int high = (b[i].qh[32 * h + r] >> (2 * k)) & 3;
      const int q = (low | (high << 4)) - 32;
      y[e] = (d * static_cast<float>(b[i].scales[e / 16])) * static_cast<float>(q);
    }
  }
}

void check_row(DType type, int64_t n) {
  OWL_CHECK(quant_supported(type), "tensor type {} cannot be (de)quantized", dtype_info(type).name);
  const int be = block_elems(type);
  OWL_CHECK(n >= 0 && n % be == 0, "row of {} elements is not a multiple of {}'s block size {}", n,
            dtype_info(type).name, be);
}

}  // namespace

namespace quant_detail {

void get_scale_min_k4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 15) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace quant_detail

bool quant_supported(DType type) {
  switch (type) {
    case DType::kF32:
    case DType::kF16:
    case DType::kBF16:
    case DType::kQ4_0:
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kQ8_0:
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
    case DType::kMXFP4:
      return true;
    default:
      return false;
  }
}

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
  check_row(type, n);
  const int64_t nb = n / block_elems(type);
  switch (type) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
      return;
    }
    case DType::kBF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
      return;
    }
    case DType::kQ4_0:
      return dequant_q4_0(static_cast<const BlockQ4_0*>(src), dst, nb);
    case DType::kQ4_1:
      return dequant_q4_1(static_cast<const BlockQ4_1*>(src), dst, nb);
    case DType::kQ5_0:
      return dequant_q5_0(static_cast<const BlockQ5_0*>(src), dst, nb);
    case DType::kQ5_1:
      return dequant_q5_1(static_cast<const BlockQ5_1*>(src), dst, nb);
    case DType::kQ8_0:
      return dequant_q8_0(static_cast<const BlockQ8_0*>(src), dst, nb);
    case DType::kQ2_K:
      return dequant_q2_k(static_cast<const BlockQ2_K*>(src), dst, nb);
    case DType::kQ3_K:
      return dequant_q3_k(static_cast<const BlockQ3_K*>(src), dst, nb);
    case DType::kQ4_K:
      return dequant_q4_k(static_cast<const BlockQ4_K*>(src), dst, nb);
    case DType::kQ5_K:
      return dequant_q5_k(static_cast<const BlockQ5_K*>(src), dst, nb);
    case DType::kQ6_K:
      return dequant_q6_k(static_cast<const BlockQ6_K*>(src), dst, nb);
    case DType::kIQ4_NL:
      return dequant_iq4_nl(static_cast<const BlockIQ4_NL*>(src), dst, nb);
    case DType::kIQ4_XS:
      return dequant_iq4_xs(static_cast<const BlockIQ4_XS*>(src), dst, nb);
    case DType::kMXFP4:
      return dequant_mxfp4(static_cast<const BlockMXFP4*>(src), dst, nb);
    default:
      break;
  }
  fail("tensor type {} cannot be dequantized", dtype_info(type).name);
}

void quantize_row(DType type, const float* src, void* dst, int64_t n) {
  check_row(type, n);
  const int64_t nb = n / block_elems(type);
  using namespace quant_detail;
  switch (type) {
    case DType::kF32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::kF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
      return;
    }
    case DType::kBF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
      return;
    }
    case DType::kQ4_0:
      return quantize_q4_0(src, static_cast<BlockQ4_0*>(dst), nb);
    case DType::kQ4_1:
      return quantize_q4_1(src, static_cast<BlockQ4_1*>(dst), nb);
    case DType::kQ5_0:
      return quantize_q5_0(src, static_cast<BlockQ5_0*>(dst), nb);
    case DType::kQ5_1:
      return quantize_q5_1(src, static_cast<BlockQ5_1*>(dst), nb);
    case DType::kQ8_0:
      return quantize_q8_0(src, static_cast<BlockQ8_0*>(dst), nb);
    case DType::kQ2_K:
      return quantize_q2_k(src, static_cast<BlockQ2_K*>(dst), nb);
    case DType::kQ3_K:
      return quantize_q3_k(src, static_cast<BlockQ3_K*>(dst), nb);
    case DType::kQ4_K:
      return quantize_q4_k(src, static_cast<BlockQ4_K*>(dst), nb);
    case DType::kQ5_K:
      return quantize_q5_k(src, static_cast<BlockQ5_K*>(dst), nb);
    case DType::kQ6_K:
      return quantize_q6_k(src, static_cast<BlockQ6_K*>(dst), nb);
    case DType::kIQ4_NL:
      return quantize_iq4_nl(src, static_cast<BlockIQ4_NL*>(dst), nb);
    case DType::kIQ4_XS:
      return quantize_iq4_xs(src, static_cast<BlockIQ4_XS*>(dst), nb);
    case DType::kMXFP4:
      return quantize_mxfp4(src, static_cast<BlockMXFP4*>(dst), nb);
    default:
      break;
  }
  fail("tensor type {} cannot be quantized", dtype_info(type).name);
}

}  // namespace owl
