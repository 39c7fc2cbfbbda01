// Template values with Python semantics: the object model the Jinja2 interpreter computes with.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "template/template.h"

namespace owl::tmpl {

class Interpreter;
struct Value;

// Python types a template can see. kIterator is a one-shot generator (what Jinja2's map/select/
// reverse/items filters return): always truthy, no len(), consumed by iteration.
enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,
  kTuple,
  kDict,
  kNamespace,
  kCallable,
  kLoop,
  kIterator,
};

struct Object {
  virtual ~Object() = default;
};

struct StrObj : Object {
  explicit StrObj(std::string v) : s(std::move(v)) {}
  std::string s;
};

struct UndefinedObj : Object {
  UndefinedObj(std::string msg, ErrorKind k) : message(std::move(msg)), exc(k) {}
  std::string message;  // what an operation on this undefined reports
  ErrorKind exc;        // kUndefined, or kSecurity for an unsafe attribute
};

struct Value {
  Kind kind = Kind::kUndefined;
  bool markup = false;  // a markupsafe.Markup string (|safe): concatenation escapes plain strings
  union {
    bool b;
    int64_t i;
    double f = 0;
  };
  std::shared_ptr<Object> obj;

  Value() = default;
  static Value none() { return with_kind(Kind::kNone); }
  static Value boolean(bool v) {
    Value r = with_kind(Kind::kBool);
    r.b = v;
    return r;
  }
  static Value integer(int64_t v) {
    Value r = with_kind(Kind::kInt);
    r.i = v;
    return r;
  }
  static Value real(double v) {
    Value r = with_kind(Kind::kFloat);
    r.f = v;
    return r;
  }
  static Value string(std::string s, bool is_markup = false);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value iterator(std::vector<Value> items);
  static Value undefined(std::string message, ErrorKind exc = ErrorKind::kUndefined);
  static Value undefined_name(const std::string& name);

  bool is_undefined() const { return kind == Kind::kUndefined; }
  bool is_none() const { return kind == Kind::kNone; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const {
    return kind == Kind::kInt || kind == Kind::kFloat || kind == Kind::kBool;
  }
  bool is_sequence() const { return kind == Kind::kList || kind == Kind::kTuple; }
  const std::string& str() const { return static_cast<const StrObj&>(*obj).s; }
  struct ListObj& list_obj() const;
  struct DictObj& dict_obj() const;
  const std::vector<Value>& items() const;  // kList, kTuple, kIterator
  const UndefinedObj& undef() const { return static_cast<const UndefinedObj&>(*obj); }

 private:
  static Value with_kind(Kind k) {
    Value r;
    r.kind = k;
    return r;
  }
};

// Python list / tuple storage. Lists are shared by reference like Python's (list.pop mutates).
struct ListObj : Object {
  std::vector<Value> items;
  size_t consumed = 0;         // kIterator: how many items next() has already taken
  bool group_tuple = false;    // |groupby's (grouper, list) named tuple
  const char* view = nullptr;  // "dict_items"/"dict_keys"/"dict_values": how str() prints it
};

// Insertion-ordered dict with Python key equality (1 == 1.0 == True); also a Namespace's storage.
struct DictObj : Object {
  std::vector<std::pair<Value, Value>> entries;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(const Value& key, Value value);
  size_t size() const { return entries.size(); }

 private:
  std::unordered_map<std::string, size_t> string_index_;  // string key -> entries position
};

Value make_dict(std::shared_ptr<DictObj> d);
Value make_namespace(std::shared_ptr<DictObj> d);

// The `loop` variable of a for loop.
struct LoopObj : Object {
  std::shared_ptr<ListObj> seq;  // the (filtered) items iterated
  size_t index0 = 0;
  int64_t depth0 = 0;
  bool have_changed = false;
  std::vector<Value> changed_last;  // arguments of the previous loop.changed(...)
  Value recurse;                    // loop(...) of a recursive loop, else undefined
};

// Arguments of a call: positional then keyword, in source order.
struct CallArgs {
  std::vector<Value> pos;
  std::vector<std::pair<std::string, Value>> kw;
};

// Anything a template can call: macros, globals, bound methods.
struct CallableObj : Object {
  virtual Value call(Interpreter& in, CallArgs& args) = 0;
  virtual std::string repr() const = 0;
};

// Bounds recursion over nested values (repr, ==, json) like Python's recursion limit.
class NestGuard {
 public:
  NestGuard();
  ~NestGuard();
  NestGuard(const NestGuard&) = delete;
  NestGuard& operator=(const NestGuard&) = delete;
};

// Python semantics. Each may throw TemplateError (TypeError-like operations, undefined use).
bool truthy(const Value& v);
std::string type_name(const Value& v);  // Python's type(x).__name__
std::string to_str(const Value& v);     // Python str(x)
std::string repr(const Value& v);       // Python repr(x)
bool py_eq(const Value& a, const Value& b);
int py_compare(const Value& a, const Value& b,
               const char* op);    // <0, 0, >0; TypeError if unordered
double to_double(const Value& v);  // int/bool/float only
[[noreturn]] void fail_undefined(const Value& v);
void check_defined(const Value& v);  // throws the undefined's error if v is undefined

// Materialises an iterable as a vector (str -> characters, dict -> keys, iterator -> consumed).
std::vector<Value> iterate(const Value& v);

Value from_json(const nlohmann::ordered_json& j);

}  // namespace owl::tmpl
