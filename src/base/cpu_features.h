// What the CPU can do, read once with cpuid (and xgetbv for OS support of the wide registers).
#pragma once

#include <string>

namespace owl {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avx512vbmi = false;
  bool gfni = false;
  bool avxvnni = false;

  bool has_avx2_level() const { return avx2 && fma && f16c; }
  bool has_avx512_level() const {
    return has_avx2_level() && avx512f && avx512bw && avx512vl && avx512dq;
  }
  std::string describe() const;
};

const CpuFeatures& cpu_features();

}  // namespace owl
