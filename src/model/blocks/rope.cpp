// RoPE tables and rotation.
#include "model/blocks/rope.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numbers>

#include "base/error.h"

namespace owl {
namespace {

// Dimension (pair index * 2) at which the wavelength covers n_rotations turns of the original
// context: ggml's YaRN correction dims.
float yarn_corr_dim(int32_t n_dims, int32_t n_ctx_orig, float n_rotations, float base) {
  return n_dims * std::log(n_ctx_orig / (n_rotations * 2.0f * std::numbers::pi_v<float>)) /
         (2.0f * std::log(base));
}

}  // namespace

Rope::Rope(const RopeConfig& config, int32_t head_dim)
    : style_(config.style), n_rot_(config.n_rot > 0 ? config.n_rot : head_dim) {
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
  if (n_rot_ % 2 != 0 || n_rot_ > head_dim) {
    fail("rope dimension count {} must be even and at most the head size {}", n_rot_, head_dim);
  }
  theta_scale_ = std::pow(config.theta, -2.0f / static_cast<float>(n_rot_));
  freq_factors_ = config.freq_factors;
  if (!freq_factors_.empty() && static_cast<int32_t>(freq_factors_.size()) != n_rot_ / 2) {
    fail("rope frequency factors have {} entries, expected {}", freq_factors_.size(), n_rot_ / 2);
  }
  switch (config.scaling) {
    case RopeScaling::kNone:
    case RopeScaling::kLlama3:  // applied through freq_factors
      break;
    case RopeScaling::kLinear:
      freq_scale_ = 1.0f / config.factor;
      break;
    case RopeScaling::kYarn: {
      freq_scale_ = 1.0f / config.factor;
      ext_factor_ = 1.0f;
      float low = yarn_corr_dim(n_rot_, config.original_context, config.yarn_beta_fast, config.theta);
      float high = yarn_corr_dim(n_rot_, config.original_context, config.yarn_beta_slow, config.theta);
      if (config.yarn_truncate) {
        low = std::floor(low);
        high = std::ceil(high);
      }
      corr_low_ = std::max(0.0f, low);
      corr_high_ = std::min(static_cast<float>(n_rot_ - 1), high);
      mscale_ = config.yarn_attn_factor;
      break;
    }
  }
}

void Rope::table(int32_t pos, float* cos_sin) const {
  float theta = static_cast<float>(pos);
  for (int32_t i0 = 0; i0 < n_rot_; i0 += 2) {
    const float ff = freq_factors_.empty() ? 1.0f : freq_factors_[i0 / 2];
    const float theta_extrap = theta / ff;
    const float theta_interp = freq_scale_ * theta_extrap;
    float t = theta_interp;
    float mscale = mscale_;
    if (ext_factor_ != 0.0f) {
      const float y = (static_cast<float>(i0) / 2 - corr_low_) / std::max(0.001f, corr_high_ - corr_low_);
      const float ramp = 1.0f - std::min(1.0f, std::max(0.0f, y));
      const float mix = ramp * ext_factor_;
      t = theta_interp * (1 - mix) + theta_extrap * mix;
      mscale *= 1.0f + 0.1f * std::log(1.0f / freq_scale_);
    }
    cos_sin[i0] = std::cos(t) * mscale;
    cos_sin[i0 + 1] = std::sin(t) * mscale;
    theta *= theta_scale_;
  }
}

const float* Rope::table_memo(int32_t pos) const {
  struct Memo {
    uint64_t id = 0;
    int32_t pos = -1;
    std::vector<float> cos_sin;
  };
  thread_local Memo memo;
  if (memo.id != id_ || memo.pos != pos || id_ == 0) {
    memo.cos_sin.resize(static_cast<size_t>(n_rot_));
    table(pos, memo.cos_sin.data());
    memo.id = id_;
    memo.pos = pos;
  }
  return memo.cos_sin.data();
}

void Rope::apply(const float* cos_sin, float* x, int32_t n_heads, int32_t head_stride) const {
  const int32_t half = n_rot_ / 2;
  for (int32_t h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<size_t>(h) * head_stride;
    if (style_ == RopeStyle::kNorm) {
      for (int32_t i = 0; i < n_rot_; i += 2) {
        const float c = cos_sin[i], s = cos_sin[i + 1];
        const float a = v[i], b = v[i + 1];
        v[i] = a * c - b * s;
        v[i + 1] = a * s + b * c;
      }
    } else {
      for (int32_t i = 0; i < half; ++i) {
        const float c = cos_sin[2 * i], s = cos_sin[2 * i + 1];
        const float a = v[i], b = v[i + half];
        v[i] = a * c - b * s;
        v[i + half] = a * s + b * c;
      }
    }
  }
}

std::vector<float> llama3_freq_factors(const RopeConfig& config, int32_t n_rot) {
  // Wavelengths shorter than original_context / high_freq_factor keep their frequency, longer
  // than original_context / low_freq_factor are divided by factor, and the band between is
  // interpolated (Meta's Llama 3.1 reference; transformers' _compute_llama3_parameters).
  std::vector<float> factors(n_rot / 2);
  const double low_wavelen = config.original_context / config.low_freq_factor;
  const double high_wavelen = config.original_context / config.high_freq_factor;
  for (int32_t i = 0; i < n_rot / 2; ++i) {
    const double freq = 1.0 / std::pow(static_cast<double>(config.theta), 2.0 * i / n_rot);
    const double wavelen = 2 * std::numbers::pi / freq;
    if (wavelen < high_wavelen) {
      factors[i] = 1.0f;
    } else if (wavelen > low_wavelen) {
      factors[i] = config.factor;
    } else {
      const double smooth = (config.original_context / wavelen - config.low_freq_factor) /
                            (config.high_freq_factor - config.low_freq_factor);
      factors[i] = static_cast<float>(1.0 / ((1 - smooth) / config.factor + smooth));
    }
  }
  return factors;
}

}  // namespace owl
