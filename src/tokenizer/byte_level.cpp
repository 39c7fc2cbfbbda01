// The GPT-2 byte <-> character tables, built once.
#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/utf8.h"

namespace owl::byte_level {

namespace {

struct Tables {
  std::array<uint32_t, 256> to_cp{};
  std::array<std::string, 256> to_utf8;
  std::array<int16_t, 512> from_cp{};  // every mapped code point is below 0x144
  Tables() {
    // Printable Latin-1 bytes map to themselves; the other 68 bytes map, in order, to 256+n.
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    from_cp.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      uint32_t cp = printable(b) ? static_cast<uint32_t>(b) : static_cast<uint32_t>(256 + n++);
      to_cp[b] = cp;
      from_cp[cp] = static_cast<int16_t>(b);
      utf8::append(to_utf8[b], cp);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

uint32_t byte_to_cp(uint8_t b) { return tables().to_cp[b]; }

int cp_to_byte(uint32_t cp) { return cp < 512 ? tables().from_cp[cp] : -1; }

void encode(std::string_view s, std::string& out) {
  const Tables& t = tables();
  for (char c : s) out += t.to_utf8[static_cast<uint8_t>(c)];
}

bool decode(std::string_view token, std::string& out) {
  size_t start = out.size();
  size_t i = 0;
  while (i < token.size()) {
    int b = cp_to_byte(utf8::decode(token, i));
    if (b < 0) {
      out.resize(start);
      return false;
    }
    out.push_back(static_cast<char>(b));
  }
  return true;
}

}  // namespace owl::byte_level
