// Reading the hyper-parameters every decoder shares (sizes, norm epsilon, RoPE and its scaling)
// from GGUF metadata or config.json, so architecture files only read what is their own.
#pragma once

#include "model/config.h"
#include "model/config_reader.h"

namespace owl {

// Sizes, eps, context, rope theta / dims / scaling. rope.style is left for the architecture.
ModelConfig read_decoder_config(const ConfigReader& reader);

}  // namespace owl
