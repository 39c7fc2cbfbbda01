// Rotary position embedding (RoPE) with linear, llama3 and YaRN frequency scaling, computed the
// way ggml does (theta advanced by repeated multiplication, YaRN ramp over the correction range).
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace owl {

class Rope {
 public:
  Rope() = default;
  Rope(const RopeConfig& config, int32_t head_dim);

  int32_t n_rot() const { return n_rot_; }
  // cos/sin table for one position: [n_rot/2] pairs (cos, sin) interleaved.
  void table(int32_t pos, float* cos_sin) const;
  // The same table from a per-thread memo of the last (rope, position) asked for: generation
  // asks for one position in every layer, and the sines and cosines cost more than the rotation.
  const float* table_memo(int32_t pos) const;
  // Rotates the first n_rot dims of each of n_heads heads of width head_stride in x.
  void apply(const float* cos_sin, float* x, int32_t n_heads, int32_t head_stride) const;
  // YaRN's attention scale for the scores, when the config asks for one (1 otherwise).
  float mscale() const { return mscale_; }

 private:
  RopeStyle style_ = RopeStyle::kNorm;
  int32_t n_rot_ = 0;
  float theta_scale_ = 1.0f;
  float freq_scale_ = 1.0f;
  float ext_factor_ = 0.0f;
  float corr_low_ = 0.0f;
  float corr_high_ = 0.0f;
  float mscale_ = 1.0f;
  std::vector<float> freq_factors_;
  uint64_t id_ = 0;  // names this configuration in the memo (copies share it)
};

// llama3 rope scaling turned into per-pair frequency divisors (what llama.cpp's converter
// stores as rope_freqs.weight), from config.json's rope_scaling block.
std::vector<float> llama3_freq_factors(const RopeConfig& config, int32_t n_rot);

}  // namespace owl
