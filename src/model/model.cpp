// Model accessors that can fail.
#include "model/model.h"

#include "base/error.h"

namespace owl {

const Tokenizer& Model::tokenizer() const {
  if (!tokenizer_) fail("{}: the model has no tokenizer files (tokenizer.json); use token ids", path_);
  return *tokenizer_;
}

}  // namespace owl
