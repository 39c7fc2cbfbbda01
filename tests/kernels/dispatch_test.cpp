// ISA selection: OWL_CPU values, availability, and that each level's table is complete.
#include <gtest/gtest.h>

#include "base/cpu_features.h"
#include "base/error.h"
#include "kernels/kernels.h"
#include "kernels/table.h"

namespace owl::kernels {
namespace {

TEST(Dispatch, ParsesOwlCpuValues) {
  EXPECT_EQ(parse_isa("scalar"), Isa::kScalar);
  if (isa_available(Isa::kAvx2)) {
    EXPECT_EQ(parse_isa("avx2"), Isa::kAvx2);
  } else {
    EXPECT_THROW(parse_isa("avx2"), Error);
  }
  if (isa_available(Isa::kAvx512)) {
    EXPECT_EQ(parse_isa("avx512"), Isa::kAvx512);
  } else {
    EXPECT_THROW(parse_isa("avx512"), Error);
  }
  EXPECT_THROW(parse_isa("sse9"), Error);
  EXPECT_THROW(parse_isa(""), Error);
  EXPECT_EQ(isa_available(Isa::kAvx2), cpu_features().has_avx2_level());
}

TEST(Dispatch, EveryLevelHasEveryEntry) {
  const DType types[] = {DType::kF32,  DType::kF16,    DType::kBF16,   DType::kQ8_0,
                         DType::kQ4_0, DType::kQ4_1,   DType::kQ5_0,   DType::kQ5_1,
                         DType::kQ2_K, DType::kQ3_K,   DType::kQ4_K,   DType::kQ5_K,
                         DType::kQ6_K, DType::kIQ4_NL, DType::kIQ4_XS, DType::kMXFP4};
  for (int level = 0; level < 3; ++level) {
    if (!isa_available(static_cast<Isa>(level))) continue;
    const KernelTable& t = kernel_table(level);
    for (DType d : types)
      EXPECT_NE(t.vec_dot[type_index(d)], nullptr) << level << " " << dtype_name(d);
    EXPECT_TRUE(t.rms_norm && t.layer_norm && t.softmax && t.silu_mul && t.gelu_mul && t.add &&
                t.dot && t.axpy && t.scale && t.f16_to_f32 && t.exp_shift);
    for (int f = 0; f < static_cast<int>(ActFormat::kCount); ++f)
      EXPECT_NE(t.act_convert[f], nullptr);
    if (level == 2) {
      for (DType d : types) EXPECT_NE(t.panel[type_index(d)].run, nullptr) << dtype_name(d);
    }
  }
  EXPECT_FALSE(matmul_supported(DType::kI32));
  EXPECT_TRUE(matmul_supported(DType::kQ6_K));
}

}  // namespace
}  // namespace owl::kernels
