// Unicode facts as CPython's str methods apply them: case mappings, case properties and the
// character classes of isalpha/isdecimal/isdigit/isnumeric/isprintable (tables in the generated
// unicode_db_data.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace owl::tmpl::unicode {

struct CaseRun {  // code points lo..hi (every `stride`-th) map to c + delta
  char32_t lo, hi;
  int32_t delta;
  uint8_t stride;
};
struct SpecialCase {  // a code point whose mapping is several code points
  char32_t cp;
  const char32_t* text;
};
struct CodeRange {
  char32_t lo, hi;
};

extern const CaseRun kLowerRuns[], kUpperRuns[], kTitleRuns[];
extern const size_t kLowerRunsSize, kUpperRunsSize, kTitleRunsSize;
extern const SpecialCase kSpecialLower[], kSpecialUpper[], kSpecialTitle[];
extern const size_t kSpecialLowerSize, kSpecialUpperSize, kSpecialTitleSize;
extern const CodeRange kUpperExtra[], kLowerExtra[], kTitlecase[];
extern const size_t kUpperExtraSize, kLowerExtraSize, kTitlecaseSize;
extern const CodeRange kCaseIgnorable[];
extern const size_t kCaseIgnorableSize;
extern const CodeRange kAlpha[], kDecimal[], kDigit[], kNumeric[], kPrintable[];
extern const size_t kAlphaSize, kDecimalSize, kDigitSize, kNumericSize, kPrintableSize;

// Full mappings of one code point (str.lower() / upper() / title() of a 1-character string),
// without the context-dependent Final_Sigma rule.
std::u32string to_lower(char32_t c);
std::u32string to_upper(char32_t c);
std::u32string to_title(char32_t c);

bool is_upper(char32_t c);  // "A".isupper()
bool is_lower(char32_t c);  // "a".islower()
bool is_title(char32_t c);  // general category Lt (e.g. U+01C5)

bool is_case_ignorable(char32_t c);  // skipped by the Final_Sigma context test
bool is_alpha(char32_t c);           // "x".isalpha()
bool is_decimal(char32_t c);         // "x".isdecimal()
bool is_digit(char32_t c);           // "x".isdigit()
bool is_numeric(char32_t c);         // "x".isnumeric()
bool is_printable(char32_t c);       // "x".isprintable(): what repr() leaves unescaped

}  // namespace owl::tmpl::unicode
