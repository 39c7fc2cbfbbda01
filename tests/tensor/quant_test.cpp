// Reference (de)quantizers against ../shared/quant: ggml's bytes and gguf-py's decoded values.
#include "tensor/quant.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "base/error.h"

namespace owl {
namespace {

constexpr int kRows = 8;
constexpr int kCols = 512;

std::vector<uint8_t> read_file(const std::string& name) {
  const std::string path = std::string(OWL_SHARED_DIR) + "/quant/" + name;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<float> read_f32(const std::string& name) {
  const std::vector<uint8_t> bytes = read_file(name);
  std::vector<float> v(bytes.size() / 4);
  std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

struct Case {
  const char* name;
  DType type;
};

const Case kAllTypes[] = {
    {"F16", DType::kF16},       {"BF16", DType::kBF16},     {"Q8_0", DType::kQ8_0},
    {"Q4_0", DType::kQ4_0},     {"Q4_1", DType::kQ4_1},     {"Q5_0", DType::kQ5_0},
    {"Q5_1", DType::kQ5_1},     {"Q2_K", DType::kQ2_K},     {"Q3_K", DType::kQ3_K},
    {"Q4_K", DType::kQ4_K},     {"Q5_K", DType::kQ5_K},     {"Q6_K", DType::kQ6_K},
    {"IQ4_NL", DType::kIQ4_NL}, {"IQ4_XS", DType::kIQ4_XS}, {"MXFP4", DType::kMXFP4},
};

class QuantVectors : public ::testing::TestWithParam<Case> {};

// Every decoded value must have exactly gguf-py's (and ggml's to_float) bit pattern.
TEST_P(QuantVectors, DequantizeIsBitExact) {
  const Case& c = GetParam();
  const std::vector<uint8_t> blocks = read_file(std::string(c.name) + ".blocks.bin");
  const std::vector<float> expected = read_f32(std::string(c.name) + ".dequant.f32");
  ASSERT_EQ(blocks.size(), row_bytes(c.type, kCols) * kRows);
  ASSERT_EQ(expected.size(), static_cast<size_t>(kRows * kCols));
  std::vector<float> got(kCols);
  int mismatches = 0;
  for (int r = 0; r < kRows; ++r) {
    dequantize_row(c.type, blocks.data() + r * row_bytes(c.type, kCols), got.data(), kCols);
    for (int i = 0; i < kCols; ++i) {
      const uint32_t a = std::bit_cast<uint32_t>(got[i]);
      const uint32_t b = std::bit_cast<uint32_t>(expected[r * kCols + i]);
      if (a != b && ++mismatches <= 5) {
        ADD_FAILURE() << c.name << " row " << r << " col " << i << ": got " << got[i]
                      << " expected " << expected[r * kCols + i];
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// Quantizing source.f32 must give the bytes llama-quantize's ggml_quantize_chunk wrote.
TEST_P(QuantVectors, QuantizeMatchesGgmlBytes) {
  const Case& c = GetParam();
  const std::vector<float> src = read_f32("source.f32");
  const std::vector<uint8_t> expected = read_file(std::string(c.name) + ".blocks.bin");
  const size_t rb = row_bytes(c.type, kCols);
  std::vector<uint8_t> got(rb * kRows);
  for (int r = 0; r < kRows; ++r) {
    quantize_row(c.type, src.data() + r * kCols, got.data() + r * rb, kCols);
  }
  for (int r = 0; r < kRows; ++r) {
    const size_t bb = static_cast<size_t>(block_bytes(c.type));
    for (size_t off = 0; off < rb; off += bb) {
      const size_t at = r * rb + off;
      EXPECT_TRUE(std::equal(got.begin() + at, got.begin() + at + bb, expected.begin() + at))
          << c.name << " row " << r << " block " << off / bb << " differs";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, QuantVectors, ::testing::ValuesIn(kAllTypes),
                         [](const auto& info) { return std::string(info.param.name); });

// Round-trip error bound per type, relative to the largest magnitude of each block (per
// super-block for K-quants), on the 8 source rows and on fresh random rows. The bounds follow
// from each format's step: e.g. Q4_0 stores 16 levels of d = amax / 8 with the sign of the largest
// value, so values on the short side can be off by up to one step d; f16 scales add ~2^-11
// relative. Tiny blocks (row 5, ~1e-5) get f16-subnormal scales or d = 0, so the bound also
// allows an absolute floor of max_mult * 2^-24: the largest integer multiplier of the f16 scale
// (sub-scale x quant, e.g. 128 x 32 for Q6_K) times the smallest f16 step.
struct Bound {
  DType type;
  double rel;       // max |x - x'| / block absmax
  double max_mult;  // largest integer multiplying the f16 scale
};
const Bound kBounds[] = {
    {DType::kF16, 0.0005, 1},    {DType::kBF16, 0.004, 1},     {DType::kQ8_0, 0.0045, 127},
    {DType::kQ4_0, 0.13, 8},     {DType::kQ4_1, 0.07, 16},     {DType::kQ5_0, 0.065, 16},
    {DType::kQ5_1, 0.035, 32},   {DType::kQ2_K, 0.4, 60},      {DType::kQ3_K, 0.2, 128},
    {DType::kQ4_K, 0.1, 1008},   {DType::kQ5_K, 0.05, 2016},   {DType::kQ6_K, 0.025, 4096},
    {DType::kIQ4_NL, 0.12, 127}, {DType::kIQ4_XS, 0.12, 4064}, {DType::kMXFP4, 0.26, 1},
};

double max_block_error(const Bound& bound, const float* x, int64_t n) {
  const DType type = bound.type;
  std::vector<uint8_t> q(row_bytes(type, n));
  std::vector<float> back(static_cast<size_t>(n));
  quantize_row(type, x, q.data(), n);
  dequantize_row(type, q.data(), back.data(), n);
  const double floor = bound.max_mult * 0x1p-24;
  const int64_t be = std::max(block_elems(type), 32);
  double worst = 0;
  for (int64_t b = 0; b < n; b += be) {
    double amax = 0, err = 0;
    for (int64_t i = b; i < b + be; ++i) {
      amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
      err = std::max(err, std::fabs(static_cast<double>(x[i]) - back[i]));
    }
    if (err > floor) worst = std::max(worst, (err - floor) / amax);
  }
  return worst;
}

TEST(Quant, RoundTripErrorIsBounded) {
  const std::vector<float> src = read_f32("source.f32");
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> rnd(4096);
  for (float& v : rnd) v = normal(rng) * 0.05f;
  for (const Bound& b : kBounds) {
    for (int r = 0; r < kRows; ++r) {
      EXPECT_LE(max_block_error(b, src.data() + r * kCols, kCols), b.rel)
          << dtype_name(b.type) << " row " << r;
    }
    EXPECT_LE(max_block_error(b, rnd.data(), 4096), b.rel) << dtype_name(b.type);
  }
}

TEST(Quant, ActivationQ8_0RoundsHalfToEven) {
  // amax = 127 makes the multiplier exactly 1, so x.5 values show the rounding rule.
  float x[32] = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f};
  BlockQ8_0 b;
  quantize_act_q8_0(x, &b, 32);
  const int expected[8] = {127, 0, 2, 2, 0, -2, -2, 3};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b.qs[i], expected[i]) << i;
  EXPECT_EQ(b.d, 0x3c00);  // 1.0 in f16
  BlockQ8_1 b1;
  quantize_act_q8_1(x, &b1, 32);
  EXPECT_EQ(b1.s, 0x5810);  // f16(1.0 * (127 + 0 + 2 + 2 + 0 - 2 - 2 + 3)) = 130
}

TEST(Quant, ActivationQ8_KUsesSignedMax) {
  std::vector<float> x(256, 0.0f);
  x[0] = 2.0f;  // largest magnitude, positive: d = max / -127 < 0 and q[0] = -127
  x[1] = 1.0f;
  x[17] = -0.5f;
  BlockQ8_K b;
  quantize_act_q8_k(x.data(), &b, 256);
  EXPECT_FLOAT_EQ(b.d, -2.0f / 127.0f);
  EXPECT_EQ(b.qs[0], -127);
  EXPECT_EQ(b.qs[1], -64);  // -63.5 rounds to even
  EXPECT_EQ(b.qs[17], 32);  // 31.75
  EXPECT_EQ(b.bsums[0], -127 - 64);
  EXPECT_EQ(b.bsums[1], 32);
}

TEST(Quant, BadRowLengthIsAnError) {
  float x[40] = {};
  uint8_t q[64];
  EXPECT_THROW(quantize_row(DType::kQ4_0, x, q, 40), Error);
  EXPECT_THROW(dequantize_row(DType::kQ4_K, q, x, 32), Error);
  EXPECT_THROW(dequantize_row(DType::kI32, q, x, 4), Error);
}

}  // namespace
}  // namespace owl
