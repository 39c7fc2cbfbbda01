// ICU-backed Unicode services (normalization, case mapping, properties).
#include "tokenizer/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/unistr.h>

#include "base/error.h"

namespace owl::unicode {

namespace {

const icu::Normalizer2* normalizer(Form form) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* n = nullptr;
  switch (form) {
    case Form::kNFC:
      n = icu::Normalizer2::getNFCInstance(err);
      break;
    case Form::kNFD:
      n = icu::Normalizer2::getNFDInstance(err);
      break;
    case Form::kNFKC:
      n = icu::Normalizer2::getNFKCInstance(err);
      break;
    case Form::kNFKD:
      n = icu::Normalizer2::getNFKDInstance(err);
      break;
  }
  if (U_FAILURE(err) || n == nullptr) fail("ICU: cannot load normalizer: {}", u_errorName(err));
  return n;
}

int8_t category(uint32_t cp) { return static_cast<int8_t>(u_charType(static_cast<UChar32>(cp))); }

}  // namespace

std::string normalize(std::string_view s, Form form) {
  const icu::Normalizer2* n = normalizer(form);
  UErrorCode err = U_ZERO_ERROR;
  icu::StringPiece in(s.data(), static_cast<int32_t>(s.size()));
  if (n->isNormalizedUTF8(in, err) && U_SUCCESS(err)) return std::string(s);
  err = U_ZERO_ERROR;
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  icu::StringByteSink<std::string> sink(&out);
  n->normalizeUTF8(0, in, sink, nullptr, err);
  if (U_FAILURE(err)) fail("ICU: normalization failed: {}", u_errorName(err));
  return out;
}

std::string to_lower(std::string_view s) {
  UErrorCode err = U_ZERO_ERROR;
  std::string out;
  out.reserve(s.size());
  icu::StringByteSink<std::string> sink(&out);
  icu::CaseMap::utf8ToLower("", 0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink,
                            nullptr, err);
  if (U_FAILURE(err)) fail("ICU: lower-casing failed: {}", u_errorName(err));
  return out;
}

bool is_whitespace(uint32_t cp) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_WHITE_SPACE);
}

bool is_punctuation(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60) ||
           (cp >= 0x7B && cp <= 0x7E);
  }
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_P_MASK) != 0;
}

bool is_numeric(uint32_t cp) {
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_N_MASK) != 0;
}

bool is_alphanumeric(uint32_t cp) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_ALPHABETIC) || is_numeric(cp);
}

bool is_nonspacing_mark(uint32_t cp) { return category(cp) == U_NON_SPACING_MARK; }

bool is_mark(uint32_t cp) { return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_M_MASK) != 0; }

bool is_control(uint32_t cp) {
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_C_MASK) != 0;
}

bool is_chinese_char(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool property_ranges(std::string_view name, Ranges& out) {
  std::string pattern = "\\p{" + std::string(name) + "}";
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeSet set(icu::UnicodeString::fromUTF8(pattern), err);
  if (U_FAILURE(err)) return false;
  set.remove(0xD800, 0xDFFF);
  out.clear();
  for (int32_t i = 0; i < set.getRangeCount(); ++i) {
    out.emplace_back(static_cast<uint32_t>(set.getRangeStart(i)),
                     static_cast<uint32_t>(set.getRangeEnd(i)));
  }
  return true;
}

std::string version() {
  UVersionInfo v;
  u_getUnicodeVersion(v);
  return std::to_string(v[0]) + "." + std::to_string(v[1]);
}

}  // namespace owl::unicode
