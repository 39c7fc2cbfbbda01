// Entry points of the architecture files, listed once in registry.cpp.
#pragma once

#include "model/registry.h"

namespace owl::archs {

const Architecture& llama();
const Architecture& qwen2();
const Architecture& qwen3();

}  // namespace owl::archs
