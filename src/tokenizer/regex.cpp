// Oniguruma-to-PCRE2 pattern translation and the PCRE2 wrapper.
#include "tokenizer/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "base/error.h"
#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace owl {

namespace {

using Ranges = unicode::Ranges;
constexpr uint32_t kMaxCp = 0x10FFFF;

void sort_merge(Ranges& r) {
  std::sort(r.begin(), r.end());
  Ranges out;
  for (const auto& [a, b] : r) {
    if (!out.empty() && a <= out.back().second + 1) {
      out.back().second = std::max(out.back().second, b);
    } else {
      out.emplace_back(a, b);
    }
  }
  r.swap(out);
}

// Complement within the Unicode scalar values (surrogates are never in a class).
Ranges complement(Ranges r) {
  r.emplace_back(0xD800, 0xDFFF);
  sort_merge(r);
  Ranges out;
  uint32_t next = 0;
  for (const auto& [a, b] : r) {
    if (a > next) out.emplace_back(next, a - 1);
    next = b + 1;
  }
  if (next <= kMaxCp) out.emplace_back(next, kMaxCp);
  return out;
}

Ranges property(std::string_view name, std::string_view pattern) {
  Ranges r;
  if (!unicode::property_ranges(name, r)) {
    fail("regex '{}': unknown Unicode property '{}'", pattern, name);
  }
  return r;
}

Ranges union_of(std::initializer_list<std::string_view> names, std::string_view pattern) {
  Ranges all;
  for (auto n : names) {
    Ranges r = property(n, pattern);
    all.insert(all.end(), r.begin(), r.end());
  }
  sort_merge(all);
  return all;
}

// Oniguruma's Unicode definitions of the shorthand classes.
Ranges shorthand(char c, std::string_view pattern) {
  switch (c) {
    case 's':
      return property("White_Space", pattern);
    case 'd':
      return property("Nd", pattern);
    case 'w':
      return union_of({"L", "M", "N", "Pc"}, pattern);
    case 'h':
      return {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};
    default:
      fail("regex '{}': internal error: shorthand \\{}", pattern, c);
  }
}

void emit_ranges(std::string& out, const Ranges& r) {
  char buf[40];
  for (const auto& [a, b] : r) {
    if (a == b) {
      std::snprintf(buf, sizeof(buf), "\\x{%X}", a);
    } else {
      std::snprintf(buf, sizeof(buf), "\\x{%X}-\\x{%X}", a, b);
    }
    out += buf;
  }
}

// Parses \p{Name}, \p{^Name}, \pL after the 'p'/'P' at pattern[i]; advances i past it.
Ranges parse_property(std::string_view pattern, size_t& i) {
  bool negate = pattern[i] == 'P';
  ++i;
  std::string name;
  if (i < pattern.size() && pattern[i] == '{') {
    size_t close = pattern.find('}', i);
    if (close == std::string_view::npos) fail("regex '{}': unterminated \\p{{", pattern);
    name = std::string(pattern.substr(i + 1, close - i - 1));
    i = close + 1;
  } else if (i < pattern.size()) {
    name = std::string(1, pattern[i]);
    ++i;
  } else {
    fail("regex '{}': \\p at end of pattern", pattern);
  }
  if (!name.empty() && name[0] == '^') {
    negate = !negate;
    name.erase(0, 1);
  }
  Ranges r = property(name, pattern);
  return negate ? complement(std::move(r)) : r;
}

// Whether the escape at pattern[i] (the char after '\') is one we rewrite; if so returns its
// ranges and advances i.
bool rewrite_escape(std::string_view pattern, size_t& i, Ranges& out) {
  char c = pattern[i];
  if (c == 'p' || c == 'P') {
    out = parse_property(pattern, i);
    return true;
  }
  char lower = static_cast<char>(c | 0x20);
  if (lower == 's' || lower == 'd' || lower == 'w' || lower == 'h') {
    out = shorthand(lower, pattern);
    if (c != lower) out = complement(std::move(out));
    ++i;
    return true;
  }
  return false;
}

// Copies the escape at pattern[i] (after '\') verbatim, including \x{...} bodies.
void copy_escape(std::string_view pattern, size_t& i, std::string& out) {
  out += '\\';
  if (pattern[i] == 'x' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
    size_t close = pattern.find('}', i);
    if (close == std::string_view::npos) fail("regex '{}': unterminated \\x{{", pattern);
    out.append(pattern.substr(i, close + 1 - i));
    i = close + 1;
    return;
  }
  size_t n = std::max<size_t>(1, utf8::valid_sequence_length(pattern, i));
  out.append(pattern.substr(i, n));
  i += n;
}

// Translates a bracket class starting at pattern[i] == '['; advances i past its ']'.
void translate_class(std::string_view pattern, size_t& i, std::string& out) {
  out += '[';
  ++i;
  if (i < pattern.size() && pattern[i] == '^') {
    out += '^';
    ++i;
  }
  bool first = true;
  while (true) {
    if (i >= pattern.size()) fail("regex '{}': unterminated character class", pattern);
    char c = pattern[i];
    if (c == ']' && !first) {
      out += ']';
      ++i;
      return;
    }
    first = false;
    if (c == ']') {
      out += "\\]";
      ++i;
    } else if (c == '\\') {
      if (++i >= pattern.size()) fail("regex '{}': trailing backslash", pattern);
      Ranges r;
      if (rewrite_escape(pattern, i, r)) {
        emit_ranges(out, r);
      } else {
        copy_escape(pattern, i, out);
      }
    } else if (c == '[' && (i + 1 >= pattern.size() || pattern[i + 1] != ':')) {
      fail("regex '{}': nested character classes are not supported", pattern);
    } else if (c == '&' && i + 1 < pattern.size() && pattern[i + 1] == '&') {
      fail("regex '{}': class intersection (&&) is not supported", pattern);
    } else {
      out += c;
      ++i;
    }
  }
}

}  // namespace

std::string translate_regex(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() * 4);
  size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (c == '\\') {
      if (++i >= pattern.size()) fail("regex '{}': trailing backslash", pattern);
      Ranges r;
      if (rewrite_escape(pattern, i, r)) {
        out += '[';
        emit_ranges(out, r);
        out += ']';
      } else {
        copy_escape(pattern, i, out);
      }
    } else if (c == '[') {
      translate_class(pattern, i, out);
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

struct Regex::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

namespace {

// Per-thread match resources: a JIT stack large enough for long inputs, and match data (only
// the whole-match offsets are read; with fewer pairs than groups pcre2_match returns 0 but still
// sets them).
struct ThreadMatchState {
  pcre2_jit_stack* stack = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_match_data* data = nullptr;
  ThreadMatchState() {
    stack = pcre2_jit_stack_create(64 * 1024, 16 * 1024 * 1024, nullptr);
    context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack_assign(context, nullptr, stack);
    data = pcre2_match_data_create(1, nullptr);
  }
  ~ThreadMatchState() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
  }
};

ThreadMatchState& thread_state() {
  thread_local ThreadMatchState state;
  return state;
}

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  pcre2_get_error_message(code, buf, sizeof(buf));
  return reinterpret_cast<const char*>(buf);
}

}  // namespace

Regex::Regex(std::string_view pattern) : pattern_(pattern), impl_(std::make_unique<Impl>()) {
  std::string translated = translate_regex(pattern);
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
  // MULTILINE: in Oniguruma's Ruby syntax (Hugging Face's default) ^ and $ are line anchors.
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE | PCRE2_MATCH_INVALID_UTF;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                              options, &err, &offset, cctx);
  pcre2_compile_context_free(cctx);
  if (impl_->code == nullptr) {
    fail("regex '{}': {} (at offset {} of the translated pattern)", pattern, pcre2_message(err),
         offset);
  }
  // JIT is an optimisation: when unavailable the interpreter gives the same matches.
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);
}

Regex::~Regex() = default;

void Regex::find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const {
  ThreadMatchState& ts = thread_state();
  pcre2_match_data* md = ts.data;
  auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t search_from = 0;
  bool have_last = false;
  size_t last_end = 0;
  while (search_from <= text.size()) {
    int rc = pcre2_match(impl_->code, subject, text.size(), search_from, 0, md, ts.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      fail("regex '{}': matching failed: {}", pattern_, pcre2_message(rc));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    size_t s = ov[0], e = ov[1];
    if (s == e && have_last && last_end == e) {
      // Skip an empty match right after the previous one: advance one character.
      size_t n = utf8::valid_sequence_length(text, search_from);
      search_from += n == 0 ? 1 : n;
      continue;
    }
    out.emplace_back(s, e);
    have_last = true;
    last_end = e;
    search_from = e;
  }
}

}  // namespace owl
