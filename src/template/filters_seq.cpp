// Sequence filters (length, first, join, map, select*, sort, unique, groupby, ...). Where Jinja2
// returns a generator (map, select, reject, unique, items, batch, slice, reverse of a list) the
// result is a one-shot iterator value, so truthiness and len() behave as in Python.
#include <fmt/format.h>

#include <algorithm>

#include "template/filters.h"
#include "template/operators.h"
#include "template/py_text.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }
[[noreturn]] void arg_error(const std::string& msg) {
  throw TemplateError(ErrorKind::kRuntime, msg);
}

void no_extra(const char* name, const CallArgs& args) { bind_args(name, args, {}); }

Value lower_if_str(const Value& v) {
  if (v.kind == Kind::kString) return Value::string(py_lower(v.str()));
  return v;
}

// sorted()/min()/max() key comparison (Python raises TypeError for unorderable keys).
bool key_less(const Value& a, const Value& b) { return py_compare(a, b, "<") < 0; }

void check_hashable(const Value& v) {
  if (v.kind == Kind::kList || v.kind == Kind::kDict || v.kind == Kind::kNamespace) {
    type_error(fmt::format("unhashable type: '{}'", type_name(v)));
  }
}

}  // namespace

Value attr_path(Interpreter& in, const Value& item, const Value& attribute) {
  if (attribute.is_none()) return item;
  if (attribute.kind != Kind::kString) return in.getitem(item, attribute);
  Value cur = item;
  for (const std::string& part : py_split(attribute.str(), std::string("."), -1)) {
    const bool digits = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    cur = in.getitem(cur, digits ? Value::integer(std::stoll(part)) : Value::string(part));
  }
  return cur;
}

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("length", args);
  switch (v.kind) {
    case Kind::kUndefined:
      return Value::integer(0);
    case Kind::kString:
      return Value::integer(static_cast<int64_t>(utf8_length(v.str())));
    case Kind::kList:
    case Kind::kTuple:
      return Value::integer(static_cast<int64_t>(v.items().size()));
    case Kind::kDict:
    case Kind::kNamespace:
      return Value::integer(static_cast<int64_t>(v.dict_obj().size()));
    case Kind::kLoop:
      return Value::integer(
          static_cast<int64_t>(static_cast<const LoopObj&>(*v.obj).seq->items.size()));
    default:
      type_error(fmt::format("object of type '{}' has no len()", type_name(v)));
  }
}

Value f_first(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("first", args);
  if (v.kind == Kind::kIterator) {
    auto& l = v.list_obj();
    if (l.consumed < l.items.size()) return l.items[l.consumed++];
  } else {
    std::vector<Value> items = iterate(v);
    if (!items.empty()) return items[0];
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("last", args);
  if (v.kind == Kind::kIterator) type_error("'generator' object is not reversible");
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("join", args, {"d", "attribute"});
  const std::string sep = a[0] ? to_str(*a[0]) : "";
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(a[1] && !a[1]->is_none() ? attr_path(in, item, *a[1]) : item);
    in.check_size(out.size());
  }
  return Value::string(std::move(out));
}

Value f_list(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("list", args);
  return Value::list(iterate(v));
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("items", args);
  if (v.is_undefined()) return Value::iterator({});
  if (v.kind != Kind::kDict) type_error("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.dict_obj().entries) out.push_back(Value::tuple({k, val}));
  return Value::iterator(std::move(out));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs& args) {
  no_extra("reverse", args);
  if (v.kind == Kind::kString) return slice_value(v, std::nullopt, std::nullopt, -1);
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  // reversed() of a sequence is an iterator; a generator falls back to a reversed list.
  return v.kind == Kind::kIterator ? Value::list(std::move(items))
                                   : Value::iterator(std::move(items));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  if (!truthy(v)) return Value::iterator({});
  std::vector<Value> out;
  if (args.pos.empty() && !args.kw.empty() && args.kw.front().first == "attribute") {
    Value attribute, fallback = Value::none();
    for (const auto& [k, val] : args.kw) {
      if (k == "attribute") {
        attribute = val;
      } else if (k == "default") {
        fallback = val;
      } else {
        arg_error(fmt::format("Unexpected keyword argument '{}'", k));
      }
    }
    for (const Value& item : iterate(v)) {
      Value r = attr_path(in, item, attribute);
      out.push_back(!fallback.is_none() && r.is_undefined() ? fallback : r);
    }
    return Value::iterator(std::move(out));
  }
  if (args.pos.empty()) arg_error("map requires a filter argument");
  const std::string name = arg_str("map", args.pos[0]);
  CallArgs rest;
  rest.pos.assign(args.pos.begin() + 1, args.pos.end());
  rest.kw = args.kw;
  for (const Value& item : iterate(v)) {
    CallArgs call_args = rest;
    out.push_back(in.apply_filter(name, item, call_args));
  }
  return Value::iterator(std::move(out));
}

namespace {

Value select_or_reject(Interpreter& in, const Value& v, CallArgs& args, bool select,
                       bool lookup_attr) {
  if (!truthy(v)) return Value::iterator({});
  size_t off = 0;
  Value attribute;
  if (lookup_attr) {
    if (args.pos.empty()) arg_error("Missing parameter for attribute name");
    attribute = args.pos[0];
    off = 1;
  }
  const bool has_test = args.pos.size() > off;
  const std::string test = has_test ? arg_str("select", args.pos[off]) : "";
  CallArgs rest;
  if (has_test) rest.pos.assign(args.pos.begin() + off + 1, args.pos.end());
  rest.kw = args.kw;
  std::vector<Value> out;
  for (const Value& item : iterate(v)) {
    Value subject = lookup_attr ? attr_path(in, item, attribute) : item;
    bool r;
    if (has_test) {
      CallArgs call_args = rest;
      r = in.apply_test(test, subject, call_args);
    } else {
      r = truthy(subject);
    }
    if (r == select) out.push_back(item);
  }
  return Value::iterator(std::move(out));
}

}  // namespace

Value f_select(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, true, false);
}
Value f_reject(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, false, false);
}
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, true, true);
}
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& args) {
  return select_or_reject(in, v, args, false, true);
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("sort", args, {"reverse", "case_sensitive", "attribute"});
  const bool reverse = a[0] && truthy(*a[0]);
  const bool case_sensitive = a[1] && truthy(*a[1]);
  std::vector<Value> attrs;  // make_multi_attrgetter: "a,b" sorts by a then b
  if (a[2] && !a[2]->is_none()) {
    if (a[2]->kind == Kind::kString) {
      for (const auto& p : py_split(a[2]->str(), std::string(","), -1))
        attrs.push_back(Value::string(p));
    } else {
      attrs.push_back(*a[2]);
    }
  }
  std::vector<Value> items = iterate(v);
  std::vector<std::pair<Value, size_t>> keyed;
  for (size_t k = 0; k < items.size(); ++k) {
    std::vector<Value> key;
    if (attrs.empty()) {
      key.push_back(case_sensitive ? items[k] : lower_if_str(items[k]));
    } else {
      for (const auto& at : attrs) {
        Value part = attr_path(in, items[k], at);
        key.push_back(case_sensitive ? part : lower_if_str(part));
      }
    }
    keyed.emplace_back(Value::list(std::move(key)), k);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
    return reverse ? key_less(y.first, x.first) : key_less(x.first, y.first);
  });
  std::vector<Value> out;
  for (const auto& kv : keyed) out.push_back(items[kv.second]);
  return Value::list(std::move(out));
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("dictsort", args, {"case_sensitive", "by", "reverse"});
  const bool case_sensitive = a[0] && truthy(*a[0]);
  const std::string by = a[1] ? arg_str("dictsort", *a[1]) : "key";
  if (by != "key" && by != "value") arg_error("You can only sort by either \"key\" or \"value\"");
  const bool reverse = a[2] && truthy(*a[2]);
  if (v.kind != Kind::kDict)
    type_error(fmt::format("'{}' object has no attribute 'items'", type_name(v)));
  std::vector<std::pair<Value, Value>> entries = v.dict_obj().entries;
  auto key = [&](const std::pair<Value, Value>& e) {
    const Value& k = by == "key" ? e.first : e.second;
    return case_sensitive ? k : lower_if_str(k);
  };
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& x, const auto& y) {
    return reverse ? key_less(key(y), key(x)) : key_less(key(x), key(y));
  });
  std::vector<Value> out;
  for (auto& [k, val] : entries) out.push_back(Value::tuple({k, val}));
  return Value::list(std::move(out));
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("unique", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = a[0] && truthy(*a[0]);
  std::vector<Value> seen, out;
  for (const Value& item : iterate(v)) {
    Value key = a[1] && !a[1]->is_none() ? attr_path(in, item, *a[1]) : item;
    if (!case_sensitive) key = lower_if_str(key);
    check_hashable(key);
    bool dup = false;
    for (const auto& s : seen) {
      if (py_eq(s, key)) {
        dup = true;
        break;
      }
    }
    if (!dup) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value::iterator(std::move(out));
}

namespace {

Value min_or_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max) {
  auto a = bind_args(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
  const bool case_sensitive = a[0] && truthy(*a[0]);
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  auto key = [&](const Value& item) {
    Value k = a[1] && !a[1]->is_none() ? attr_path(in, item, *a[1]) : item;
    return case_sensitive ? k : lower_if_str(k);
  };
  size_t best = 0;
  Value best_key = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? key_less(best_key, k) : key_less(k, best_key)) {
      best = i;
      best_key = k;
    }
  }
  return items[best];
}

}  // namespace

Value f_min(Interpreter& in, const Value& v, CallArgs& args) {
  return min_or_max(in, v, args, false);
}
Value f_max(Interpreter& in, const Value& v, CallArgs& args) {
  return min_or_max(in, v, args, true);
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("sum", args, {"attribute", "start"});
  Value total = a[1] ? *a[1] : Value::integer(0);
  if (total.kind == Kind::kString) type_error("sum() can't sum strings [use ''.join(seq) instead]");
  for (const Value& item : iterate(v)) {
    total = binary_op(in, "+", total, a[0] && !a[0]->is_none() ? attr_path(in, item, *a[0]) : item);
  }
  return total;
}

Value f_batch(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("batch", args, {"linecount", "fill_with"});
  if (!a[0]) type_error("batch() missing required argument 'linecount'");
  const int64_t n = arg_int("batch", *a[0]);
  std::vector<Value> out, cur;
  for (const Value& item : iterate(v)) {
    if (static_cast<int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
    cur.push_back(item);
  }
  if (!cur.empty()) {
    if (a[1] && !a[1]->is_none()) {
      while (static_cast<int64_t>(cur.size()) < n) cur.push_back(*a[1]);
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::iterator(std::move(out));
}

Value f_slice(Interpreter&, const Value& v, CallArgs& args) {
  auto a = bind_args("slice", args, {"slices", "fill_with"});
  if (!a[0]) type_error("slice() missing required argument 'slices'");
  const int64_t slices = arg_int("slice", *a[0]);
  if (slices <= 0) type_error("integer division or modulo by zero");
  std::vector<Value> seq = iterate(v), out;
  const int64_t len = static_cast<int64_t>(seq.size());
  const int64_t per = len / slices, extra = len % slices;
  int64_t offset = 0;
  for (int64_t s = 0; s < slices; ++s) {
    const int64_t start = offset + s * per;
    if (s < extra) ++offset;
    const int64_t end = offset + (s + 1) * per;
    std::vector<Value> tmp(seq.begin() + start, seq.begin() + std::min(end, len));
    if (a[1] && !a[1]->is_none() && s >= extra) tmp.push_back(*a[1]);
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::iterator(std::move(out));
}

Value f_groupby(Interpreter& in, const Value& v, CallArgs& args) {
  auto a = bind_args("groupby", args, {"attribute", "default", "case_sensitive"});
  if (!a[0]) type_error("groupby() missing required argument 'attribute'");
  const bool case_sensitive = a[2] && truthy(*a[2]);
  auto key = [&](const Value& item, bool fold) {
    Value k = attr_path(in, item, *a[0]);
    if (a[1] && !a[1]->is_none() && k.is_undefined()) k = *a[1];
    return fold && !case_sensitive ? lower_if_str(k) : k;
  };
  std::vector<Value> items = iterate(v);
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& item : items) keyed.emplace_back(key(item, true), item);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& x, const auto& y) { return key_less(x.first, y.first); });
  std::vector<Value> out;
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i;
    std::vector<Value> group;
    while (j < keyed.size() && py_eq(keyed[j].first, keyed[i].first))
      group.push_back(keyed[j++].second);
    Value grouper = key(group[0], false);
    if (case_sensitive) grouper = keyed[i].first;
    Value t = Value::tuple({grouper, Value::list(std::move(group))});
    t.list_obj().group_tuple = true;
    out.push_back(std::move(t));
    i = j;
  }
  return Value::list(std::move(out));
}

}  // namespace owl::tmpl
