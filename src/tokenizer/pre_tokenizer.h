// Hugging Face pre-tokenizers: split normalized text into the words the model encodes one by
// one. Split (regex or literal, five behaviours, invert), ByteLevel, Metaspace, Digits,
// Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit, Sequence.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_util.h"

namespace owl {

// One piece of text on its way to the model.
struct PreToken {
  std::string text;
  // Whether the piece starts at offset 0 of the input (Metaspace prepend_scheme "first").
  bool at_start = false;
};

// What a split does with the delimiters it finds (Hugging Face SplitDelimiterBehavior).
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

class PreTokenizer {
 public:
  PreTokenizer();
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;

  // From tokenizer.json's "pre_tokenizer" (null gives an empty pre-tokenizer: one word).
  static PreTokenizer from_json(const json_util::Json& j, const std::string& where);

  // Builders for the GGUF presets.
  void add_split_regex(std::string_view pattern, SplitBehavior behavior, bool invert = false);
  void add_byte_level(bool add_prefix_space, bool use_regex);
  void add_digits(bool individual);
  void add_punctuation(SplitBehavior behavior);

  bool empty() const { return steps_.empty(); }

  // Splits text into words, passing each (and whether it starts the input) to emit as soon as
  // it is ready; the views are valid only during the call.
  using WordFn = std::function<void(std::string_view word, bool at_start)>;
  void split(std::string_view text, bool at_start, const WordFn& emit) const;
  // The same, collected (for tests and tools).
  std::vector<PreToken> split(std::string_view text, bool at_start = true) const;

 private:
  struct Step;
  std::vector<std::shared_ptr<const Step>> steps_;
  void parse(const json_util::Json& j, const std::string& where);
  void run_from(size_t step, std::string_view text, bool at_start, const WordFn& emit) const;
};

// The regex of GPT-2 (and of the Hugging Face ByteLevel pre-tokenizer with use_regex).
extern const char* const kGpt2Regex;

}  // namespace owl
