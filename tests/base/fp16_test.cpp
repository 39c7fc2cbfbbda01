// fp16/bf16 conversions against the CPU's own F16C instructions (an independent reference).
#include "base/fp16.h"

#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <random>

#include "base/cpu_features.h"

namespace owl {
namespace {

TEST(Fp16, EveryHalfDecodesLikeF16C) {
  if (!cpu_features().f16c) GTEST_SKIP() << "no F16C on this CPU";
  for (uint32_t h = 0; h < 65536; ++h) {
    float ours = fp16_to_fp32(static_cast<uint16_t>(h));
    float hw = _cvtsh_ss(static_cast<unsigned short>(h));
    if (std::isnan(hw)) {
      EXPECT_TRUE(std::isnan(ours)) << h;
    } else {
      ASSERT_EQ(std::bit_cast<uint32_t>(ours), std::bit_cast<uint32_t>(hw)) << "h=" << h;
    }
  }
}

TEST(Fp16, EncodeRoundsLikeF16C) {
  if (!cpu_features().f16c) GTEST_SKIP() << "no F16C on this CPU";
  std::mt19937 rng(7);
  auto check = [](uint32_t bits) {
    float f = std::bit_cast<float>(bits);
    uint16_t hw = static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
    uint16_t ours = fp32_to_fp16(f);
    if (std::isnan(f)) {
      EXPECT_EQ(ours & 0x7c00, 0x7c00);
      EXPECT_NE(ours & 0x3ff, 0);
    } else {
      ASSERT_EQ(ours, hw) << "bits=" << std::hex << bits;
    }
  };
  // Every float near the f16 range boundaries and subnormal region, plus random ones.
  for (uint32_t e = 100; e <= 145; ++e) {
    for (uint32_t m = 0; m < (1u << 23); m += 997) {
      check((e << 23) | m);
      check(0x80000000u | (e << 23) | m);
    }
  }
  for (int i = 0; i < 2000000; ++i) check(rng());
  check(0x7f800000u);
  check(0xff800000u);
  check(0);
  check(0x80000000u);
}

TEST(Bf16, RoundTripAndRounding) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  // 1 + 2^-8 is exactly halfway between two bf16 values: ties go to even (1.0).
  EXPECT_EQ(fp32_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(fp32_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(std::nanf("")))));
}

}  // namespace
}  // namespace owl
