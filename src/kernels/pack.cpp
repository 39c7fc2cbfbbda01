// Builds the 16-row interleaved panel layout (kernels/pack.h) from GGUF rows: plain byte moves.
#include "kernels/pack.h"

#include <cstring>

#include "base/error.h"
#include "tensor/blocks.h"
#include "tensor/quant.h"

namespace owl::kernels {
namespace {

constexpr int kChunk = 64;  // one chunk: 4 bytes for each of 16 rows

// Chunk c of a panel block: lane r <- 4 bytes at src.
inline void put4(uint8_t* pb, int chunk, int r, const uint8_t* src) {
  std::memcpy(pb + chunk * kChunk + 4 * r, src, 4);
}
inline void put2(uint8_t* dst, int r, uint16_t v) { std::memcpy(dst + 2 * r, &v, 2); }

// Copies `chunks` consecutive 4-byte groups of one row into consecutive chunks starting at first.
inline void put_run(uint8_t* pb, int first, int chunks, int r, const uint8_t* src) {
  for (int c = 0; c < chunks; ++c) put4(pb, first + c, r, src + 4 * c);
}

// Per-type packers of one panel block for row r (block b of that row at blk).
void pack_q8_0(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ8_0*>(blk);
  uint8_t codes[kQK];
  for (int i = 0; i < kQK; ++i) codes[i] = static_cast<uint8_t>(b->qs[i]) ^ 0x80;
  put_run(pb, 0, 8, r, codes);
  put2(pb + 512, r, b->d);
}
void pack_q4_0(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ4_0*>(blk);
  put_run(pb, 0, 4, r, b->qs);
  put2(pb + 256, r, b->d);
}
void pack_mxfp4(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockMXFP4*>(blk);
  put_run(pb, 0, 4, r, b->qs);
  pb[256 + r] = b->e;
}
void pack_q4_1(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ4_1*>(blk);
  put_run(pb, 0, 4, r, b->qs);
  put2(pb + 256, r, b->d);
  put2(pb + 288, r, b->m);
}
void pack_q5_0(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ5_0*>(blk);
  put_run(pb, 0, 4, r, b->qs);
  put4(pb, 4, r, b->qh);
  put2(pb + 320, r, b->d);
}
void pack_q5_1(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ5_1*>(blk);
  put_run(pb, 0, 4, r, b->qs);
  put4(pb, 4, r, b->qh);
  put2(pb + 320, r, b->d);
  put2(pb + 352, r, b->m);
}

template <typename Block>
void pack_q45_k_common(uint8_t* pb, int r, const Block* b) {
  put_run(pb, 0, 32, r, b->qs);
  put2(pb + 2048, r, b->d);
  put2(pb + 2080, r, b->dmin);
  for (int s = 0; s < 8; ++s) {
    uint8_t sc, m;
    quant_detail::get_scale_min_k4(s, b->scales, &sc, &m);
    pb[2112 + 16 * s + r] = sc;
    pb[2240 + 16 * s + r] = m;
  }
}
void pack_q4_k(uint8_t* pb, int r, const uint8_t* blk) {
  pack_q45_k_common(pb, r, reinterpret_cast<const BlockQ4_K*>(blk));
}
void pack_q5_k(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ5_K*>(blk);
  pack_q45_k_common(pb, r, b);
  put_run(pb + 2368, 0, 8, r, b->qh);
}
void pack_q6_k(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ6_K*>(blk);
  put_run(pb, 0, 32, r, b->ql);
  put_run(pb + 2048, 0, 16, r, b->qh);
  for (int s = 0; s < 16; ++s) pb[3072 + 16 * s + r] = static_cast<uint8_t>(b->scales[s]);
  put2(pb + 3328, r, b->d);
}
void pack_q3_k(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ3_K*>(blk);
  put_run(pb, 0, 16, r, b->qs);
  put_run(pb + 1024, 0, 8, r, b->hmask);
  for (int s = 0; s < 16; ++s) {
    const int low = s < 8 ? b->scales[s] & 15 : b->scales[s - 8] >> 4;
    const int high = (b->scales[8 + s % 4] >> (2 * (s / 4))) & 3;
    pb[1536 + 16 * s + r] = static_cast<uint8_t>(static_cast<int8_t>((low | (high << 4)) - 32));
  }
  put2(pb + 1792, r, b->d);
}
void pack_q2_k(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockQ2_K*>(blk);
  put_run(pb, 0, 16, r, b->qs);
  for (int s = 0; s < 16; ++s) pb[1024 + 16 * s + r] = b->scales[s];
  put2(pb + 1280, r, b->d);
  put2(pb + 1312, r, b->dmin);
}
void pack_iq4_xs(uint8_t* pb, int r, const uint8_t* blk) {
  const auto* b = reinterpret_cast<const BlockIQ4_XS*>(blk);
  put_run(pb, 0, 32, r, b->qs);
  for (int s = 0; s < 8; ++s) {
    const int ls =
        ((b->scales_l[s / 2] >> (4 * (s % 2))) & 15) | (((b->scales_h >> (2 * s)) & 3) << 4);
    pb[2048 + 16 * s + r] = static_cast<uint8_t>(static_cast<int8_t>(ls - 32));
  }
  put2(pb + 2176, r, b->d);
}

using PackFn = void (*)(uint8_t* pb, int r, const uint8_t* blk);

struct PackInfo {
  PackFn fn;
  size_t pb_bytes;
};

bool pack_info(DType t, PackInfo* out) {
  switch (t) {
    case DType::kQ8_0:
      *out = {pack_q8_0, 544};
      return true;
    case DType::kQ4_0:
    case DType::kIQ4_NL:
      *out = {pack_q4_0, 288};
      return true;
    case DType::kMXFP4:
      *out = {pack_mxfp4, 272};
      return true;
    case DType::kQ4_1:
      *out = {pack_q4_1, 320};
      return true;
    case DType::kQ5_0:
      *out = {pack_q5_0, 352};
      return true;
    case DType::kQ5_1:
      *out = {pack_q5_1, 384};
      return true;
    case DType::kQ4_K:
      *out = {pack_q4_k, 2368};
      return true;
    case DType::kQ5_K:
      *out = {pack_q5_k, 2880};
      return true;
    case DType::kQ6_K:
      *out = {pack_q6_k, 3360};
      return true;
    case DType::kQ3_K:
      *out = {pack_q3_k, 1824};
      return true;
    case DType::kQ2_K:
      *out = {pack_q2_k, 1344};
      return true;
    case DType::kIQ4_XS:
      *out = {pack_iq4_xs, 2208};
      return true;
    default:
      return false;
  }
}

size_t float_elem_bytes(DType t) { return t == DType::kF32 ? 4 : 2; }
bool is_float(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }

void pack_float(DType type, const uint8_t* src, size_t stride, int n_rows, int64_t k,
                uint8_t* dst) {
  const size_t eb = float_elem_bytes(type);
  std::memset(dst, 0, panel_bytes(type, k));
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = src + static_cast<size_t>(r) * stride;
    if (type == DType::kBF16) {
      // [k/2][16][2]: the pair (2p, 2p+1) of row r at (p * 16 + r) * 4.
      for (int64_t p = 0; p < k / 2; ++p) std::memcpy(dst + (p * 16 + r) * 4, row + p * 4, 4);
    } else {
      for (int64_t i = 0; i < k; ++i) std::memcpy(dst + (i * 16 + r) * eb, row + i * eb, eb);
    }
  }
}

}  // namespace

bool pack_supported(DType type) {
  PackInfo info;
  return is_float(type) || pack_info(type, &info);
}

int panel_block_elems(DType type) { return is_float(type) ? 1 : block_elems(type); }

size_t panel_bytes(DType type, int64_t k) {
  if (is_float(type)) return static_cast<size_t>(k) * kPanelRows * float_elem_bytes(type);
  PackInfo info;
  OWL_CHECK(pack_info(type, &info), "no panel layout for type {}", dtype_name(type));
  return static_cast<size_t>(k / block_elems(type)) * info.pb_bytes;
}

void pack_panel(DType type, const uint8_t* src, size_t src_stride, int n_rows, int64_t k,
                uint8_t* dst) {
  if (is_float(type)) return pack_float(type, src, src_stride, n_rows, k, dst);
  PackInfo info;
  OWL_CHECK(pack_info(type, &info), "no panel layout for type {}", dtype_name(type));
  const int64_t nb = k / block_elems(type);
  const size_t bb = static_cast<size_t>(block_bytes(type));
  std::memset(dst, 0, static_cast<size_t>(nb) * info.pb_bytes);
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* pb = dst + static_cast<size_t>(b) * info.pb_bytes;
    for (int r = 0; r < n_rows; ++r)
      info.fn(pb, r, src + static_cast<size_t>(r) * src_stride + b * bb);
  }
}

}  // namespace owl::kernels
