// Entry points of the architecture files, listed once in registry.cpp.
#pragma once

#include "model/registry.h"

namespace owl::archs {

const Architecture& llama();
const Architecture& qwen2();
const Architecture& qwen3();
const Architecture& olmo2();
const Architecture& gemma3();
const Architecture& gpt_oss();
const Architecture& qwen3_moe();
const Architecture& deepseek2();
const Architecture& deepseek_v32();
const Architecture& glm4_moe();
const Architecture& minimax_m2();

// DeepSeek-V2/V3's hyper-parameters (MLA, MoE, YaRN mscale), shared by deepseek_v32.
ModelConfig read_deepseek2_config(const ConfigReader& reader);

}  // namespace owl::archs
