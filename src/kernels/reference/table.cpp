// The scalar reference entries of the kernel table, the activation converters, and the
// row-by-row gemm every level can fall back to.
#include "kernels/table.h"

#include <cstring>

#include "base/error.h"
#include "base/fp16.h"
#include "kernels/reference/reference.h"
#include "tensor/blocks.h"
#include "tensor/quant.h"

namespace owl::kernels {
namespace {

void convert_f32(const float* x, void* dst, int64_t n) {
  std::memcpy(dst, x, static_cast<size_t>(n) * sizeof(float));
}
void convert_f16(const float* x, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(x[i]);
}
void convert_bf16(const float* x, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(x[i]);
}
void convert_q8_0(const float* x, void* dst, int64_t n) {
  quantize_act_q8_0(x, static_cast<BlockQ8_0*>(dst), n);
}
void convert_q8_1(const float* x, void* dst, int64_t n) {
  quantize_act_q8_1(x, static_cast<BlockQ8_1*>(dst), n);
}
void convert_q8_k(const float* x, void* dst, int64_t n) {
  quantize_act_q8_k(x, static_cast<BlockQ8_K*>(dst), n);
}

}  // namespace

ActFormat act_format(DType w) {
  switch (w) {
    case DType::kF32:
      return ActFormat::kF32;
    case DType::kF16:
      return ActFormat::kF16;
    case DType::kBF16:
      return ActFormat::kBF16;
    case DType::kQ4_0:
    case DType::kQ5_0:
    case DType::kQ8_0:
    case DType::kIQ4_NL:
    case DType::kMXFP4:
      return ActFormat::kQ8_0;
    case DType::kQ4_1:
    case DType::kQ5_1:
      return ActFormat::kQ8_1;
    case DType::kQ2_K:
    case DType::kQ3_K:
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K:
    case DType::kIQ4_XS:
      return ActFormat::kQ8_K;
    default:
      break;
  }
  const DTypeInfo* info = dtype_info(static_cast<uint32_t>(w));
  fail("matmul does not support weights of type {}", info ? info->name : "unknown");
}

size_t act_row_bytes(ActFormat f, int64_t n) {
  const auto un = static_cast<size_t>(n);
  switch (f) {
    case ActFormat::kF32:
      return un * 4;
    case ActFormat::kF16:
    case ActFormat::kBF16:
      return un * 2;
    case ActFormat::kQ8_0:
      return un / kQK * sizeof(BlockQ8_0);
    case ActFormat::kQ8_1:
      return un / kQK * sizeof(BlockQ8_1);
    case ActFormat::kQ8_K:
      return un / kQKK * sizeof(BlockQ8_K);
    default:
      return 0;
  }
}

void gemm_by_rows(VecDotFn dot, const GemmArgs& a, int64_t r0, int64_t r1) {
  for (int64_t t = 0; t < a.n_tokens; ++t) {
    const uint8_t* act = a.act + static_cast<size_t>(t) * a.act_stride;
    float* y = a.y + t * a.ldy;
    for (int64_t r = r0; r < r1; ++r)
      y[r] = dot(a.w + static_cast<size_t>(r) * a.w_stride, act, a.k);
  }
}

void fill_reference(KernelTable& t) {
  namespace ref = reference;
  t.vec_dot[type_index(DType::kF32)] = ref::dot_f32;
  t.vec_dot[type_index(DType::kF16)] = ref::dot_f16;
  t.vec_dot[type_index(DType::kBF16)] = ref::dot_bf16;
  t.vec_dot[type_index(DType::kQ4_0)] = ref::dot_q4_0;
  t.vec_dot[type_index(DType::kQ4_1)] = ref::dot_q4_1;
  t.vec_dot[type_index(DType::kQ5_0)] = ref::dot_q5_0;
  t.vec_dot[type_index(DType::kQ5_1)] = ref::dot_q5_1;
  t.vec_dot[type_index(DType::kQ8_0)] = ref::dot_q8_0;
  t.vec_dot[type_index(DType::kIQ4_NL)] = ref::dot_iq4_nl;
  t.vec_dot[type_index(DType::kMXFP4)] = ref::dot_mxfp4;
  t.vec_dot[type_index(DType::kIQ4_XS)] = ref::dot_iq4_xs;
  t.vec_dot[type_index(DType::kQ2_K)] = ref::dot_q2_k;
  t.vec_dot[type_index(DType::kQ3_K)] = ref::dot_q3_k;
  t.vec_dot[type_index(DType::kQ4_K)] = ref::dot_q4_k;
  t.vec_dot[type_index(DType::kQ5_K)] = ref::dot_q5_k;
  t.vec_dot[type_index(DType::kQ6_K)] = ref::dot_q6_k;

  t.act_convert[static_cast<int>(ActFormat::kF32)] = convert_f32;
  t.act_convert[static_cast<int>(ActFormat::kF16)] = convert_f16;
  t.act_convert[static_cast<int>(ActFormat::kBF16)] = convert_bf16;
  t.act_convert[static_cast<int>(ActFormat::kQ8_0)] = convert_q8_0;
  t.act_convert[static_cast<int>(ActFormat::kQ8_1)] = convert_q8_1;
  t.act_convert[static_cast<int>(ActFormat::kQ8_K)] = convert_q8_k;

  t.rms_norm = ref::rms_norm;
  t.layer_norm = ref::layer_norm;
  t.softmax = ref::softmax;
  t.silu_mul = ref::silu_mul;
  t.gelu_mul = ref::gelu_mul;
  t.add = ref::add;
  t.dot = ref::dot;
  t.axpy = ref::axpy;
  t.scale = ref::scale;
  t.f16_to_f32 = ref::f16_to_f32;
  t.exp_shift = ref::exp_shift;
}

}  // namespace owl::kernels
