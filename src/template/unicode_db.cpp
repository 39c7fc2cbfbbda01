// Lookups in the generated Unicode tables (binary search over sorted runs and ranges).
#include "template/unicode_db.h"

#include <algorithm>

namespace owl::tmpl::unicode {
namespace {

const CaseRun* find_run(const CaseRun* runs, size_t n, char32_t c) {
  const CaseRun* end = runs + n;
  const CaseRun* it =
      std::upper_bound(runs, end, c, [](char32_t v, const CaseRun& r) { return v < r.lo; });
  if (it == runs) return nullptr;
  --it;
  if (c > it->hi || (c - it->lo) % it->stride != 0) return nullptr;
  return it;
}

const SpecialCase* find_special(const SpecialCase* table, size_t n, char32_t c) {
  const SpecialCase* end = table + n;
  const SpecialCase* it =
      std::lower_bound(table, end, c, [](const SpecialCase& s, char32_t v) { return s.cp < v; });
  return it != end && it->cp == c ? it : nullptr;
}

bool in_ranges(const CodeRange* ranges, size_t n, char32_t c) {
  const CodeRange* end = ranges + n;
  const CodeRange* it =
      std::upper_bound(ranges, end, c, [](char32_t v, const CodeRange& r) { return v < r.lo; });
  return it != ranges && c <= (it - 1)->hi;
}

std::u32string map(char32_t c, const CaseRun* runs, size_t n_runs, const SpecialCase* special,
                   size_t n_special) {
  if (const SpecialCase* s = find_special(special, n_special, c)) return s->text;
  if (const CaseRun* r = find_run(runs, n_runs, c)) {
    return {static_cast<char32_t>(static_cast<int64_t>(c) + r->delta)};
  }
  return {c};
}

}  // namespace

std::u32string to_lower(char32_t c) {
  if (c < 0x80) return {c >= 'A' && c <= 'Z' ? c + 32 : c};
  return map(c, kLowerRuns, kLowerRunsSize, kSpecialLower, kSpecialLowerSize);
}

std::u32string to_upper(char32_t c) {
  if (c < 0x80) return {c >= 'a' && c <= 'z' ? c - 32 : c};
  return map(c, kUpperRuns, kUpperRunsSize, kSpecialUpper, kSpecialUpperSize);
}

std::u32string to_title(char32_t c) {
  if (is_title(c)) return {c};  // titlecase letters are their own titlecase (the tables omit it)
  if (c >= 0x80) {
    if (const SpecialCase* s = find_special(kSpecialTitle, kSpecialTitleSize, c)) return s->text;
    if (const CaseRun* r = find_run(kTitleRuns, kTitleRunsSize, c)) {
      return {static_cast<char32_t>(static_cast<int64_t>(c) + r->delta)};
    }
  }
  return to_upper(c);
}

bool is_title(char32_t c) { return c >= 0x80 && in_ranges(kTitlecase, kTitlecaseSize, c); }

// A letter with a lowercase mapping is uppercase unless it is a titlecase letter; the extra
// ranges hold uppercase code points without one (e.g. mathematical letters, circled letters).
bool is_upper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  if (is_title(c)) return false;
  return find_special(kSpecialLower, kSpecialLowerSize, c) != nullptr ||
         find_run(kLowerRuns, kLowerRunsSize, c) != nullptr ||
         in_ranges(kUpperExtra, kUpperExtraSize, c);
}

bool is_lower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  if (is_title(c)) return false;
  return find_special(kSpecialUpper, kSpecialUpperSize, c) != nullptr ||
         find_run(kUpperRuns, kUpperRunsSize, c) != nullptr ||
         in_ranges(kLowerExtra, kLowerExtraSize, c);
}

bool is_case_ignorable(char32_t c) { return in_ranges(kCaseIgnorable, kCaseIgnorableSize, c); }

bool is_alpha(char32_t c) {
  if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
  return in_ranges(kAlpha, kAlphaSize, c);
}

bool is_decimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in_ranges(kDecimal, kDecimalSize, c);
}

bool is_digit(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in_ranges(kDigit, kDigitSize, c);
}

bool is_numeric(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in_ranges(kNumeric, kNumericSize, c);
}

bool is_printable(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7f;
  return in_ranges(kPrintable, kPrintableSize, c);
}

}  // namespace owl::tmpl::unicode
