// The tokenizer's building blocks checked against facts from their specifications: UTF-8
// (RFC 3629), Unicode normalization and properties, Oniguruma's \s, and the Hugging Face
// tokenizers documentation's examples for split behaviours and pre-tokenizers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"
#include "tokenizer/utf8.h"

namespace owl {
namespace {

using nlohmann::json;

std::vector<std::string> words(const PreTokenizer& p, std::string_view text) {
  std::vector<std::string> out;
  for (const PreToken& t : p.split(text)) out.push_back(t.text);
  return out;
}

PreTokenizer pre(const char* j) { return PreTokenizer::from_json(json::parse(j), "test"); }
Normalizer norm(const char* j) { return Normalizer::from_json(json::parse(j), "test"); }

TEST(Utf8, ValidatesAndSanitizes) {
  EXPECT_TRUE(utf8::is_valid("caf\xC3\xA9 \xF0\x9F\xA6\x99"));
  EXPECT_FALSE(utf8::is_valid("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(utf8::is_valid("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(utf8::is_valid("\xE2\x82"));          // truncated
  EXPECT_EQ(utf8::sanitize("a\xFF"
                           "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(Utf8StreamBuffer, ReleasesOnlyCompleteCharacters) {
  Utf8StreamBuffer buf;
  // U+1F999 (4 bytes) fed one byte at a time, then ASCII.
  EXPECT_EQ(buf.push("\xF0"), "");
  EXPECT_EQ(buf.push("\x9F\xA6"), "");
  EXPECT_EQ(buf.pending(), 3u);
  EXPECT_EQ(buf.push("\x99!"), "\xF0\x9F\xA6\x99!");
  EXPECT_EQ(buf.pending(), 0u);
  // A byte that can never start a character is released as U+FFFD at once.
  EXPECT_EQ(buf.push("\xFFz"), "\xEF\xBF\xBDz");
  // An unfinished character at the end becomes one U+FFFD on flush.
  EXPECT_EQ(buf.push("\xE2\x82"), "");
  EXPECT_EQ(buf.flush(), "\xEF\xBF\xBD");
  // A lead byte followed by a non-continuation byte is ill-formed, not pending.
  EXPECT_EQ(buf.push("\xE2"
                     "A"),
            "\xEF\xBF\xBD"
            "A");
}

TEST(ByteLevel, Gpt2Mapping) {
  // GPT-2's bytes_to_unicode: printable bytes map to themselves, space to U+0120 'Ġ',
  // newline to U+010A 'Ċ', byte 0 to U+0100.
  EXPECT_EQ(byte_level::byte_to_cp('A'), 'A');
  EXPECT_EQ(byte_level::byte_to_cp(' '), 0x120u);
  EXPECT_EQ(byte_level::byte_to_cp('\n'), 0x10Au);
  EXPECT_EQ(byte_level::byte_to_cp(0), 0x100u);
  EXPECT_EQ(byte_level::byte_to_cp(0xAD), 0x143u);
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(byte_level::cp_to_byte(byte_level::byte_to_cp(static_cast<uint8_t>(b))), b);
  }
  std::string mapped, back;
  byte_level::encode("h\xC3\xA9 \n", mapped);
  EXPECT_EQ(mapped, "h\xC3\x83\xC2\xA9\xC4\xA0\xC4\x8A");  // "hÃ©ĠĊ"
  EXPECT_TRUE(byte_level::decode(mapped, back));
  EXPECT_EQ(back, "h\xC3\xA9 \n");
  EXPECT_FALSE(byte_level::decode("\xE2\x96\x81", back));  // U+2581 is not in the mapping
}

TEST(Unicode, NormalizationForms) {
  const std::string nfd = "e\xCC\x81";  // e + COMBINING ACUTE ACCENT
  EXPECT_EQ(unicode::normalize(nfd, unicode::Form::kNFC), "\xC3\xA9");
  EXPECT_EQ(unicode::normalize("\xC3\xA9", unicode::Form::kNFD), nfd);
  // U+FB01 LATIN SMALL LIGATURE FI: compatibility-decomposes to "fi".
  EXPECT_EQ(unicode::normalize("\xEF\xAC\x81", unicode::Form::kNFKC), "fi");
  EXPECT_EQ(unicode::normalize("\xEF\xAC\x81", unicode::Form::kNFC), "\xEF\xAC\x81");
  // U+2460 CIRCLED DIGIT ONE -> "1" under NFKD.
  EXPECT_EQ(unicode::normalize("\xE2\x91\xA0", unicode::Form::kNFKD), "1");
}

TEST(Unicode, LowercaseAndProperties) {
  EXPECT_EQ(unicode::to_lower("HELLO \xC3\x84"), "hello \xC3\xA4");
  // U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE lowercases to "i" + U+0307 (SpecialCasing).
  EXPECT_EQ(unicode::to_lower("\xC4\xB0"), "i\xCC\x87");
  // Final sigma: "ΟΔΟΣ" -> "οδος" with U+03C2 at the end.
  EXPECT_EQ(unicode::to_lower("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"),
            "\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82");
  EXPECT_TRUE(unicode::is_whitespace(0x85));     // NEL is White_Space
  EXPECT_FALSE(unicode::is_whitespace(0x200B));  // ZERO WIDTH SPACE is not
  EXPECT_TRUE(unicode::is_punctuation('$'));     // ASCII punctuation counts (a symbol, Sc)
  EXPECT_TRUE(unicode::is_punctuation(0x3002));  // IDEOGRAPHIC FULL STOP (Po)
  EXPECT_TRUE(unicode::is_numeric(0x00BD));      // VULGAR FRACTION ONE HALF (No)
  EXPECT_FALSE(unicode::is_numeric('a'));
}

// Matches of a Hugging Face regex, as strings.
std::vector<std::string> matches(const char* pattern, std::string_view text) {
  Regex re(pattern);
  std::vector<std::pair<size_t, size_t>> m;
  re.find_all(text, m);
  std::vector<std::string> out;
  for (auto [b, e] : m) out.emplace_back(text.substr(b, e - b));
  return out;
}

TEST(Regex, OnigurumaClasses) {
  // \s is Oniguruma's (White_Space): NEL U+0085 and NBSP U+00A0 are spaces, U+200B is not.
  EXPECT_EQ(matches("\\s+",
                    "a\xC2\x85\xC2\xA0"
                    "b\xE2\x80\x8B"),
            std::vector<std::string>({"\xC2\x85\xC2\xA0"}));
  EXPECT_EQ(matches("\\p{L}+",
                    "ab1\xC3\xA9"
                    "c"),
            std::vector<std::string>({"ab",
                                      "\xC3\xA9"
                                      "c"}));
  EXPECT_EQ(matches("[^\\s\\p{L}\\p{N}]+", "a, b!? 7"), std::vector<std::string>({",", "!?"}));
  EXPECT_EQ(matches("\\p{N}{1,3}", "12345"), std::vector<std::string>({"123", "45"}));
  EXPECT_EQ(matches("(?i:'s|'ll)", "IT'S he'LL"), std::vector<std::string>({"'S", "'LL"}));
  // $ is a line anchor in Oniguruma's Ruby syntax.
  EXPECT_EQ(matches("\\s+$", "a  \nb "), std::vector<std::string>({"  ", " "}));
  // Empty matches: one per position (not right after a previous match).
  EXPECT_EQ(matches("x*", "ab").size(), 3u);
  EXPECT_THROW(Regex("[a"), Error);
  EXPECT_THROW(Regex("\\p{NoSuchProperty}"), Error);
}

TEST(Regex, Gpt2PatternSplitsLikeGpt2) {
  // The GPT-2 regex keeps one leading space with words and lets the last space of a run go
  // with the next word ("\s+(?!\S)").
  EXPECT_EQ(matches(kGpt2Regex, "Hello   world's 123!!"),
            std::vector<std::string>({"Hello", "  ", " world", "'s", " 123", "!!"}));
}

TEST(PreTokenizer, SplitBehaviorsFromTheDocs) {
  // tokenizers' SplitDelimiterBehavior documentation: "the-final--countdown" split on "-".
  const char* base = R"({"type":"Split","pattern":{"String":"-"},"invert":false,"behavior":")";
  auto run = [&](const char* b) {
    return words(pre((std::string(base) + b + "\"}").c_str()), "the-final--countdown");
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(run("Removed"), V({"the", "final", "countdown"}));
  EXPECT_EQ(run("Isolated"), V({"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(run("MergedWithPrevious"), V({"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(run("MergedWithNext"), V({"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(run("Contiguous"), V({"the", "-", "final", "--", "countdown"}));
}

TEST(PreTokenizer, WhitespaceDigitsPunctuation) {
  using V = std::vector<std::string>;
  // Examples of the tokenizers pre-tokenizer docs and tests.
  EXPECT_EQ(words(pre(R"({"type":"Whitespace"})"), "Hey friend!     How are you?!?"),
            V({"Hey", "friend", "!", "How", "are", "you", "?!?"}));
  EXPECT_EQ(words(pre(R"({"type":"WhitespaceSplit"})"), "Hey friend!  How?"),
            V({"Hey", "friend!", "How?"}));
  EXPECT_EQ(words(pre(R"({"type":"Digits","individual_digits":true})"), "Hey 123 friend!"),
            V({"Hey ", "1", "2", "3", " friend!"}));
  EXPECT_EQ(words(pre(R"({"type":"Digits","individual_digits":false})"), "Hey 123 friend!"),
            V({"Hey ", "123", " friend!"}));
  EXPECT_EQ(words(pre(R"({"type":"Punctuation"})"), "Hey friend!  How are you?!?"),
            V({"Hey friend", "!", "  How are you", "?", "!", "?"}));
  EXPECT_EQ(words(pre(R"({"type":"BertPreTokenizer"})"), "Hey friend!     How are you?!?"),
            V({"Hey", "friend", "!", "How", "are", "you", "?", "!", "?"}));
  EXPECT_EQ(words(pre(R"({"type":"CharDelimiterSplit","delimiter":"x"})"), "axbxxc"),
            V({"a", "b", "c"}));
}

TEST(PreTokenizer, MetaspaceAndByteLevel) {
  using V = std::vector<std::string>;
  const std::string s = "\xE2\x96\x81";  // U+2581
  PreTokenizer always = pre(R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"always"})");
  EXPECT_EQ(words(always, "Hey friend"), V({s + "Hey", s + "friend"}));
  PreTokenizer first =
      pre(R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":false})");
  EXPECT_EQ(words(first, "Hey friend"), V({s + "Hey" + s + "friend"}));
  EXPECT_EQ(first.split("Hey", false)[0].text, "Hey");  // not at the start of the input
  PreTokenizer bl = pre(R"({"type":"ByteLevel","add_prefix_space":true,"use_regex":true})");
  EXPECT_EQ(words(bl, "Hello my friend"), V({"\xC4\xA0Hello", "\xC4\xA0my",
                                             "\xC4\xA0"
                                             "friend"}));
}

TEST(Normalizer, HuggingFaceSteps) {
  EXPECT_EQ(norm(R"({"type":"NFC"})").apply("e\xCC\x81"), "\xC3\xA9");
  EXPECT_EQ(norm(R"({"type":"Lowercase"})").apply("HeLLo"), "hello");
  EXPECT_EQ(norm(R"({"type":"Strip","strip_left":true,"strip_right":false})").apply("  a b  "),
            "a b  ");
  EXPECT_EQ(norm(R"({"type":"Sequence","normalizers":[{"type":"NFD"},{"type":"StripAccents"}]})")
                .apply("\xC3\xA9t\xC3\xA9"),
            "ete");
  EXPECT_EQ(norm(R"({"type":"Replace","pattern":{"String":" "},"content":"▁"})").apply("a b"),
            "a\xE2\x96\x81"
            "b");
  EXPECT_EQ(norm(R"({"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "})").apply("a \t\nb"),
            "a b");
  Normalizer prepend = norm(R"({"type":"Prepend","prepend":"▁"})");
  EXPECT_EQ(prepend.apply("a"),
            "\xE2\x96\x81"
            "a");
  EXPECT_EQ(prepend.apply(""), "");  // nothing is prepended to an empty piece
  EXPECT_EQ(
      norm(R"({"type":"BertNormalizer","lowercase":true})").apply("H\xC3\xA9llo\t\xE4\xBD\xA0!"),
      "hello  \xE4\xBD\xA0 !");
  EXPECT_TRUE(norm("null").empty());
}

std::string decode_all(const Decoder& d, std::initializer_list<const char*> tokens) {
  std::string out;
  Decoder::State st;
  for (const char* t : tokens) d.decode_token(t, st, out);
  return out;
}

TEST(Decoder, HuggingFaceSteps) {
  // Llama-2's tokenizer.json decoder: Replace ▁ -> " ", ByteFallback, Fuse, Strip one leading
  // space of the whole text.
  Decoder llama = Decoder::from_json(json::parse(R"({"type":"Sequence","decoders":[
      {"type":"Replace","pattern":{"String":"▁"},"content":" "},{"type":"ByteFallback"},
      {"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]})"),
                                     "test");
  EXPECT_EQ(decode_all(llama, {"\xE2\x96\x81Hello", "\xE2\x96\x81world"}), "Hello world");
  EXPECT_EQ(decode_all(llama, {"\xE2\x96\x81", "\xE2\x96\x81Hi"}), " Hi");  // one space only
  EXPECT_EQ(decode_all(llama, {"<0xE2>", "<0x82>", "<0xAC>"}), "\xE2\x82\xAC");
  Decoder meta = Decoder::from_json(
      json::parse(R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"always"})"), "test");
  EXPECT_EQ(decode_all(meta, {"\xE2\x96\x81Hey",
                              "\xE2\x96\x81"
                              "friend"}),
            "Hey friend");
  Decoder wp = Decoder::from_json(json::parse(R"({"type":"WordPiece","prefix":"##"})"), "test");
  EXPECT_EQ(decode_all(wp, {"un", "##aff", "##able", "."}), "unaffable.");
  EXPECT_EQ(decode_all(Decoder::byte_level(), {"Hello", "\xC4\xA0world"}), "Hello world");
}

TEST(Decoder, CleanUpTokenization) {
  EXPECT_EQ(clean_up_tokenization("Hello , world ! I do n't know . It 's"),
            "Hello, world! I don't know. It's");
}

}  // namespace
}  // namespace owl
