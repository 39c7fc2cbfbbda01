// The activation converters of every ISA level produce the reference bytes exactly (the matmul
// numerics depend on every rounding decision matching llama.cpp's).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/table.h"
#include "tensor/blocks.h"

namespace owl::kernels {
namespace {

std::vector<float> tricky_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = normal(rng);
  // Exact ties: a block whose amax is 127 makes x * 127 / amax == x, so k + 0.5 must round to even.
  for (int j = 0; j < 32; ++j) x[j] = static_cast<float>(j) - 15.5f;
  x[0] = 127.0f;
  // An all-zero block, a block whose largest magnitude appears with both signs (first wins).
  for (int j = 32; j < 64; ++j) x[j] = 0.0f;
  if (n >= 512) {
    for (int j = 256; j < 512; ++j) x[j] = 0.25f * normal(rng);
    x[300] = -3.0f;
    x[301] = 3.0f;
  }
  x[70] = 1e-30f;  // tiny values
  return x;
}

TEST(ActConvert, EveryLevelMatchesReferenceBytes) {
  const KernelTable& ref = kernel_table(0);
  const int64_t n = 1024;
  const auto x = tricky_values(n, 5);
  const ActFormat formats[] = {ActFormat::kF16, ActFormat::kBF16, ActFormat::kQ8_0,
                               ActFormat::kQ8_1, ActFormat::kQ8_K};
  for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
    if (!isa_available(isa)) continue;
    const KernelTable& t = kernel_table(static_cast<int>(isa));
    for (ActFormat f : formats) {
      const size_t bytes = act_row_bytes(f, n);
      std::vector<uint8_t> a(bytes, 0xAA), b(bytes, 0x55);
      ref.act_convert[static_cast<int>(f)](x.data(), a.data(), n);
      t.act_convert[static_cast<int>(f)](x.data(), b.data(), n);
      EXPECT_EQ(a, b) << isa_name(isa) << " format " << static_cast<int>(f);
    }
  }
}

}  // namespace
}  // namespace owl::kernels
