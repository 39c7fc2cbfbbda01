// JSON Schema compiler: handwritten valid/invalid documents per feature, schema errors, and
// random constrained sampling whose every output must parse (nlohmann and Python's json) and
// validate with an independent checker.
#include "constrain/json_schema.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <random>

#include "base/error.h"
#include "constrain/constrained_sampler.h"
#include "constrain/grammar_constraint.h"
#include "constrain/schema_validator.h"
#include "constrain/test_vocab.h"

namespace owl::constrain {
namespace {

using json = nlohmann::ordered_json;

std::shared_ptr<Matcher> schema_matcher(
    const json& schema, std::shared_ptr<const TokenVocab> vocab = owl::testing::byte_vocab()) {
  Grammar g;
  g.set_root(add_json_schema(g, schema));
  return std::make_shared<Matcher>(g, std::move(vocab));
}

bool accepts(const json& schema, std::string_view text) {
  auto m = schema_matcher(schema);
  MatchState s = m->start();
  m->advance(s, text);
  return m->accepting(s);
}

const json kPerson = json::parse(R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "maxLength": 8},
    "age": {"type": "integer"},
    "score": {"type": "number"},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    "active": {"type": "boolean"},
    "nothing": {"type": "null"}
  },
  "required": ["name", "age", "tags"],
  "additionalProperties": false
})");

TEST(JsonSchema, ObjectAcceptsValidDocuments) {
  for (const char* doc :
       {R"({"name": "Bo", "age": 3, "tags": []})",
        R"({"name":"Bo","age":-0,"score":1.5e-3,"tags":["a","b"],"active":true,"nothing":null})",
        "{\n  \"name\": \"\\u00e9\\\"\",\n  \"age\": 10,\n  \"tags\": [ \"x\" ]\n}",
        R"({"name": "中文字", "age": 1, "tags": [], "active": false})"}) {
    EXPECT_TRUE(accepts(kPerson, doc)) << doc;
  }
}

TEST(JsonSchema, ObjectRejectsInvalidDocuments) {
  for (const char* doc :
       {R"({"name": "Bo", "age": 3})",                      // missing tags
        R"({"name": "Bo", "age": 3, "tags": [], "x": 1})",  // extra
        R"({"name": "Bo", "age": 3.5, "tags": []})",        // not integer
        R"({"name": "", "age": 3, "tags": []})",            // too short
        R"({"name": "ninechars", "age": 3, "tags": []})",   // too long
        R"({"name": "Bo", "age": 3, "tags": ["a","b","c","d"]})",
        R"({"name": "Bo", "age": 3, "tags": [],})", R"({"name": "Bo", "age": 03, "tags": []})",
        R"({"name": "Bo", "age": 3, "tags": [1]})", R"({"name": 'Bo', "age": 3, "tags": []})"}) {
    EXPECT_FALSE(accepts(kPerson, doc)) << doc;
  }
}

TEST(JsonSchema, Strings) {
  const json s = {{"type", "string"}};
  for (const char* ok : {R"("")", R"("a\"b\\c\/\b\f\n\r\t")", R"("\u00e9\uD83D\uDE00")",
                         "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\xa6\x89\""}) {
    EXPECT_TRUE(accepts(s, ok)) << ok;
  }
  for (const char* bad : {R"("\ud800")", R"("\x")", "\"\x01\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"",
                          "\"\xf5\x80\x80\x80\"", "\"\xe4\xb8\"", R"("a)"}) {
    EXPECT_FALSE(accepts(s, bad)) << bad;
  }
  const json len = {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}};
  EXPECT_FALSE(accepts(len, "\"\xe4\xb8\xad\""));             // one code point
  EXPECT_TRUE(accepts(len, "\"\xe4\xb8\xad\xe6\x96\x87\""));  // two
  EXPECT_TRUE(accepts(len, R"("\n\u0041b")"));                // escapes count as one
  EXPECT_FALSE(accepts(len, R"("abcd")"));
}

TEST(JsonSchema, Numbers) {
  const json n = {{"type", "number"}};
  for (const char* ok : {"0", "-0", "12", "1.5", "1e5", "1E+5", "-2.25e-10"})
    EXPECT_TRUE(accepts(n, ok)) << ok;
  for (const char* bad : {"01", "1.", ".5", "+1", "1e", "--1", "0x1", "NaN"})
    EXPECT_FALSE(accepts(n, bad)) << bad;
  const json i = {{"type", "integer"}};
  EXPECT_TRUE(accepts(i, "-42"));
  EXPECT_FALSE(accepts(i, "4.0"));
  EXPECT_FALSE(accepts(i, "1234567890123456789"));  // 19 digits: beyond the int64-safe bound
  EXPECT_TRUE(accepts(i, "-123456789012345678"));
  EXPECT_FALSE(accepts(n, "1e100"));
}

TEST(JsonSchema, EnumConstAnyOfTypeList) {
  const json s = json::parse(R"({"type": "object", "properties": {
      "unit": {"enum": ["celsius", "fahrenheit", 3, null]},
      "kind": {"const": {"a": [1, "x"]}},
      "value": {"anyOf": [{"type": "number"}, {"type": "string", "maxLength": 2}]},
      "maybe": {"type": ["string", "null"]}},
      "required": ["unit", "kind", "value", "maybe"]})");
  EXPECT_TRUE(
      accepts(s, R"({"unit": "celsius", "kind": {"a":[1,"x"]}, "value": 2, "maybe": null})"));
  EXPECT_TRUE(accepts(s, R"({"unit": 3, "kind": {"a":[1,"x"]}, "value": "ab", "maybe": "q"})"));
  EXPECT_TRUE(accepts(s, R"({"unit": null, "kind": {"a":[1,"x"]}, "value": 1, "maybe": ""})"));
  EXPECT_FALSE(
      accepts(s, R"({"unit": "kelvin", "kind": {"a":[1,"x"]}, "value": 2, "maybe": null})"));
  EXPECT_FALSE(accepts(s, R"({"unit": 3, "kind": {"a":[1]}, "value": 2, "maybe": null})"));
  EXPECT_FALSE(accepts(s, R"({"unit": 3, "kind": {"a":[1,"x"]}, "value": "abc", "maybe": null})"));
  EXPECT_FALSE(accepts(s, R"({"unit": 3, "kind": {"a":[1,"x"]}, "value": 1, "maybe": 1})"));
}

TEST(JsonSchema, RecursiveRef) {
  const json tree = json::parse(R"({"$defs": {"node": {"type": "object",
      "properties": {"value": {"type": "integer"},
                     "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
      "required": ["value", "children"], "additionalProperties": false}},
      "$ref": "#/$defs/node"})");
  EXPECT_TRUE(accepts(tree, R"({"value": 1, "children": [{"value": 2, "children": []}]})"));
  EXPECT_FALSE(accepts(tree, R"({"value": 1, "children": [{"value": 2}]})"));
  const json list = json::parse(
      R"({"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}, "required": ["next"]})");
  EXPECT_TRUE(accepts(list, R"({"next": {"next": {"next": null}}})"));
  // A reference cycle that consumes nothing before recursing.
  const json loop = json::parse(R"({"anyOf": [{"$ref": "#"}, {"type": "null"}]})");
  EXPECT_TRUE(accepts(loop, "null"));
  EXPECT_FALSE(accepts(loop, "1"));
}

TEST(JsonSchema, AdditionalPropertiesSchemaAndGenericObject) {
  const json m = {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}};
  EXPECT_TRUE(accepts(m, R"({"a": 1, "b": 2})"));
  EXPECT_TRUE(accepts(m, R"({})"));
  EXPECT_FALSE(accepts(m, R"({"a": "x"})"));
  const json any = {{"type", "object"}};
  EXPECT_TRUE(accepts(any, R"({"a": [1, {"b": null}], "c": "d"})"));
  EXPECT_FALSE(accepts(any, R"([1])"));
  Grammar g;
  g.set_root(add_json_value(g));
  Matcher v(g, owl::testing::byte_vocab());
  for (const char* ok : {"1", "\"s\"", "[[],{}]", "{\"a\":{\"b\":[true,false,null]}}"}) {
    MatchState s = v.start();
    v.advance(s, ok);
    EXPECT_TRUE(v.accepting(s)) << ok;
  }
}

TEST(JsonSchema, ArrayBounds) {
  const json s = {
      {"type", "array"}, {"items", {{"type", "boolean"}}}, {"minItems", 2}, {"maxItems", 3}};
  EXPECT_FALSE(accepts(s, "[true]"));
  EXPECT_TRUE(accepts(s, "[true, false]"));
  EXPECT_TRUE(accepts(s, "[ true , false , true ]"));
  EXPECT_FALSE(accepts(s, "[true,true,true,true]"));
}

TEST(JsonSchema, ErrorsNameTheLocation) {
  auto error_of = [](const json& schema) -> std::string {
    try {
      Grammar g;
      add_json_schema(g, schema);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(json::parse(R"({"properties": {"a": {"type": "string", "pattern": "x"}}})"))
                .find("#/properties/a"),
            std::string::npos);
  EXPECT_NE(error_of(json::parse(R"({"type": "strin"})")).find("unknown type"), std::string::npos);
  EXPECT_NE(error_of(json::parse(R"({"$ref": "#/$defs/missing"})")).find("does not resolve"),
            std::string::npos);
  EXPECT_NE(error_of(json::parse(R"({"$ref": "http://x"})")).find("local"), std::string::npos);
  EXPECT_NE(
      error_of(json::parse(R"({"type": "array", "minItems": 3, "maxItems": 1})")).find("minItems"),
      std::string::npos);
  EXPECT_NE(error_of(json(false)).find("false"), std::string::npos);
  EXPECT_NE(error_of(json(3)).find("must be an object"), std::string::npos);
}

TEST(JsonSchema, RandomSchemasCompileOrFailCleanly) {
  std::mt19937 rng(8);
  static const char* kTypes[] = {"object", "array", "string", "number", "integer", "boolean", "null", "nope"};
  std::function<json(int)> random_schema = [&](int depth) -> json {
    json s = json::object();
    const int n = static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 12) {
        case 0: s["type"] = kTypes[rng() % 8]; break;
        case 1: s["type"] = json::array({kTypes[rng() % 8], kTypes[rng() % 8]}); break;
        case 2: if (depth < 4) s["properties"] = {{"a", random_schema(depth + 1)}, {"b", random_schema(depth + 1)}}; break;
        case 3: s["required"] = json::array({"a", "c"}); break;
        case 4: s["additionalProperties"] = rng() % 2 ? json(false) : (depth < 4 ? random_schema(depth + 1) : json(true)); break;
        case 5: if (depth < 4) s["items"] = random_schema(depth + 1); break;
        case 6: s["minItems"] = static_cast<int>(rng() % 3); s["maxItems"] = static_cast<int>(rng() % 4); break;
        case 7: s["enum"] = json::array({1, "x", nullptr}); break;
        case 8: s["maxLength"] = static_cast<int>(rng() % 5) - 1; break;
        case 9: if (depth < 4) s["anyOf"] = json::array({random_schema(depth + 1), random_schema(depth + 1)}); break;
        case 10: s["$ref"] = rng() % 2 ? "#" : "#/$defs/x"; break;
        default: s["const"] = json::array({1, 2}); break;
      }
    }
    return s;
  };
  auto vocab = owl::testing::fragment_vocab();
  int compiled = 0;
  for (int i = 0; i < 400; ++i) {
    const json schema = random_schema(0);
    Grammar g;
    try {
      g.set_root(add_json_schema(g, schema));
    } catch (const Error&) {
      continue;  // a clear error naming the location is the other allowed outcome
    }
    ++compiled;
    auto matcher = std::make_shared<Matcher>(g, vocab);
    if (matcher->start().id < 0) continue;  // admits nothing (e.g. a pure reference cycle)
    GrammarConstraint c(matcher);
    const auto run = owl::testing::sample_constrained(c, *vocab, rng, 15, 400);
    if (run.completed && !run.dead_end) {
      const json parsed = json::parse(run.text, nullptr, false);
      EXPECT_FALSE(parsed.is_discarded()) << schema.dump() << "\n" << run.text;
    }
  }
  EXPECT_GT(compiled, 100);
}

const char* kSampledSchemas[] = {
    nullptr,  // kPerson
    R"({"type": "object", "properties": {"unit": {"enum": ["celsius", "fahrenheit", 3, null]},
        "kind": {"const": "weather"}, "value": {"anyOf": [{"type": "number"}, {"type": "string", "maxLength": 5}]}},
        "required": ["unit", "kind", "value"], "additionalProperties": false})",
    R"({"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},
        "children": {"type": "array", "items": {"$ref": "#/$defs/node"}, "maxItems": 2}},
        "required": ["value", "children"], "additionalProperties": false}}, "$ref": "#/$defs/node"})",
    R"({"type": "array", "minItems": 2, "maxItems": 4, "items": {"type": "array", "items": {"type": "boolean"}}})",
    R"({"type": "object", "additionalProperties": {"type": "integer"}})",
    R"({"type": "object"})",
    R"({"oneOf": [{"type": "integer"}, {"type": "boolean"}, {"type": "array", "items": {"type": "null"}}]})",
    R"({"type": "object", "properties": {"s": {"type": "string", "minLength": 2, "maxLength": 3},
        "n": {"type": ["string", "null"]}}, "required": ["s", "n"], "additionalProperties": false})",
};

TEST(JsonSchema, RandomSamplingAlwaysValid) {
  auto vocab = owl::testing::fragment_vocab();
  std::mt19937 rng(12345);
  std::vector<std::string> outputs;
  int sample_count = 0;
  for (const char* text : kSampledSchemas) {
    const json schema = text ? json::parse(text) : kPerson;
    auto matcher = schema_matcher(schema, vocab);
    for (int i = 0; i < 60; ++i) {
      GrammarConstraint c(matcher);
      const auto run = owl::testing::sample_constrained(c, *vocab, rng, i % 3 == 0 ? 200 : 30);
      ASSERT_FALSE(run.dead_end) << run.text;
      ASSERT_TRUE(run.completed) << schema.dump() << "\n" << run.text;
      json parsed;
      ASSERT_NO_THROW(parsed = json::parse(run.text)) << run.text;
      ASSERT_EQ(owl::testing::validate_schema(parsed, schema, schema), "") << run.text;
      outputs.push_back(run.text);
      ++sample_count;
    }
  }
  // Second opinion from Python's json module on every output.
  const std::string path = ::testing::TempDir() + "owl_constrain_outputs.jsonl";
  {
    std::ofstream out(path, std::ios::binary);
    for (const auto& o : outputs)
      out << json(o).dump(-1, ' ', false, json::error_handler_t::strict) << "\n";
  }
  const std::string cmd =
      "python3 -c \"import json,sys\nn=0\nfor line in open(sys.argv[1], encoding='utf-8'):\n"
      "    json.loads(json.loads(line)); n+=1\nprint(n)\" " +
      path;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[64] = {0};
  const bool read_ok = std::fgets(buf, sizeof(buf), p) != nullptr;
  const int rc = pclose(p);
  ASSERT_TRUE(read_ok);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(std::atoi(buf), sample_count);
}

}  // namespace
}  // namespace owl::constrain

namespace owl::constrain {
namespace {

// Integer bounds are enforced exactly: every numeral from -2500 to 2500 (and leading-zero and
// "-0" forms, which JSON forbids or the bounds exclude) is accepted iff its value is in range.
TEST(JsonSchema, IntegerBoundsExactly) {
  struct Case {
    const char* schema;
    int64_t lo, hi;
  };
  for (const Case& c : {Case{R"({"type": "integer", "minimum": -37, "maximum": 1205})", -37, 1205},
                        Case{R"({"type": "integer", "minimum": 0})", 0, INT64_MAX},
                        Case{R"({"type": "integer", "exclusiveMinimum": 9, "exclusiveMaximum": 100})", 10, 99},
                        Case{R"({"type": "integer", "maximum": -10})", INT64_MIN, -10},
                        Case{R"({"type": "integer", "minimum": 1.5, "maximum": 19.99})", 2, 19},
                        Case{R"({"type": "integer", "minimum": 5, "exclusiveMinimum": true, "maximum": 7})", 6, 7},
                        Case{R"({"type": "number", "minimum": 0, "maximum": 150})", 0, 150}}) {
    const json schema = json::parse(c.schema);
    auto m = schema_matcher(schema);
    for (int64_t v = -2500; v <= 2500; ++v) {
      MatchState s = m->start();
      m->advance(s, std::to_string(v));
      EXPECT_EQ(m->accepting(s), v >= c.lo && v <= c.hi) << c.schema << " " << v;
    }
    for (const char* bad : {"007", "-0", "00", "+5", "1e2", ""}) {
      MatchState s = m->start();
      m->advance(s, bad);
      EXPECT_FALSE(m->accepting(s)) << c.schema << " " << bad;
    }
  }
  // Large bounds: 18-digit numerals either side.
  const json big = json::parse(R"({"type": "integer", "minimum": -123456789012345678, "maximum": 123456789012345678})");
  for (const char* ok : {"123456789012345678", "-123456789012345678", "99999999999999999", "0"}) {
    EXPECT_TRUE(accepts(big, ok)) << ok;
  }
  for (const char* no : {"123456789012345679", "-123456789012345679", "1234567890123456789"}) {
    EXPECT_FALSE(accepts(big, no)) << no;
  }
}

TEST(JsonSchema, EmptyIntegerRangeIsAnError) {
  for (const char* schema : {R"({"type": "integer", "minimum": 5, "maximum": 4})",
                             R"({"type": "integer", "minimum": 1.2, "maximum": 1.8})",
                             R"({"type": "integer", "minimum": "a"})"}) {
    Grammar g;
    EXPECT_THROW(add_json_schema(g, json::parse(schema)), Error) << schema;
  }
}

}  // namespace
}  // namespace owl::constrain
