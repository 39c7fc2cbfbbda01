// GPT-2's reversible byte <-> printable character mapping used by byte-level BPE
// (openai/gpt-2 encoder.py bytes_to_unicode; Hugging Face ByteLevel pre-tokenizer/decoder).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace owl::byte_level {

// The code point that stands for byte b.
uint32_t byte_to_cp(uint8_t b);
// The byte a code point stands for, or -1 if the code point is not in the mapping.
int cp_to_byte(uint32_t cp);

// Appends the mapped characters of every byte of s.
void encode(std::string_view s, std::string& out);
// Maps the characters of a token back to bytes. Returns false (out unchanged) if some
// character is outside the mapping, as the Hugging Face ByteLevel decoder then keeps the
// token's own bytes.
bool decode(std::string_view token, std::string& out);

}  // namespace owl::byte_level
