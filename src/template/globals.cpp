// Global functions of HF's chat-template environment: Jinja2's range/dict/namespace/joiner and
// transformers' raise_exception and strftime_now (clock fixed by RenderOptions::now).
#include <fmt/format.h>
#include <locale.h>

#include <ctime>

#include "template/builtins.h"
#include "template/interpreter.h"

namespace owl::tmpl {
namespace {

[[noreturn]] void type_error(const std::string& msg) { throw TemplateError(ErrorKind::kType, msg); }

using GlobalFn = Value (*)(Interpreter& in, CallArgs& args);

struct BuiltinFn : CallableObj {
  BuiltinFn(const char* n, GlobalFn f) : name(n), fn(f) {}
  const char* name;
  GlobalFn fn;
  Value call(Interpreter& in, CallArgs& args) override { return fn(in, args); }
  std::string repr() const override { return fmt::format("<function {}>", name); }
};

Value make_callable(std::shared_ptr<CallableObj> c) {
  Value v;
  v.kind = Kind::kCallable;
  v.obj = std::move(c);
  return v;
}

// jinja2.sandbox.safe_range: Python range limited to MAX_RANGE (100000) items.
Value g_range(Interpreter&, CallArgs& args) {
  if (!args.kw.empty()) type_error("range() takes no keyword arguments");
  if (args.pos.empty() || args.pos.size() > 3) {
    type_error(fmt::format("range expected at most 3 arguments, got {}", args.pos.size()));
  }
  int64_t start = 0, stop, step = 1;
  if (args.pos.size() == 1) {
    stop = arg_int("range", args.pos[0]);
  } else {
    start = arg_int("range", args.pos[0]);
    stop = arg_int("range", args.pos[1]);
    if (args.pos.size() == 3) step = arg_int("range", args.pos[2]);
  }
  if (step == 0) type_error("range() arg 3 must not be zero");
  const __int128 span =
      step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
  const __int128 absstep = step > 0 ? step : -static_cast<__int128>(step);
  const __int128 count = span <= 0 ? 0 : (span + absstep - 1) / absstep;
  if (count > 100000) {
    type_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(count));
  for (__int128 k = 0; k < count; ++k)
    items.push_back(Value::integer(static_cast<int64_t>(start + k * step)));
  return Value::list(std::move(items));
}

std::shared_ptr<DictObj> dict_from_args(CallArgs& args, const char* name) {
  auto d = std::make_shared<DictObj>();
  if (args.pos.size() > 1)
    type_error(fmt::format("{} expected at most 1 argument, got {}", name, args.pos.size()));
  if (args.pos.size() == 1) {
    const Value& src = args.pos[0];
    if (src.kind == Kind::kDict || src.kind == Kind::kNamespace) {
      for (const auto& [k, v] : src.dict_obj().entries) d->set(k, v);
    } else {
      for (const Value& pair : iterate(src)) {
        std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2) type_error("dictionary update sequence element has wrong length");
        d->set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : args.kw) d->set(Value::string(k), v);
  return d;
}

Value g_dict(Interpreter&, CallArgs& args) { return make_dict(dict_from_args(args, "dict")); }

Value g_namespace(Interpreter& in, CallArgs& args) {
  auto d = dict_from_args(args, "namespace");
  in.track_namespace(d);
  return make_namespace(std::move(d));
}

struct Joiner : CallableObj {
  std::string sep;
  bool used = false;
  Value call(Interpreter&, CallArgs& args) override {
    if (!args.pos.empty() || !args.kw.empty()) type_error("joiner() takes no arguments");
    if (!used) {
      used = true;
      return Value::string("");
    }
    return Value::string(sep);
  }
  std::string repr() const override { return "<jinja2.utils.Joiner object>"; }
};

Value g_joiner(Interpreter&, CallArgs& args) {
  auto a = bind_args("joiner", args, {"sep"});
  auto j = std::make_shared<Joiner>();
  j->sep = a[0] ? to_str(*a[0]) : ", ";
  return make_callable(std::move(j));
}

// transformers: raise jinja2.exceptions.TemplateError(message).
Value g_raise_exception(Interpreter&, CallArgs& args) {
  if (args.pos.size() != 1 || !args.kw.empty()) {
    type_error("raise_exception() takes exactly one argument (the message)");
  }
  throw TemplateError(ErrorKind::kRaise, to_str(args.pos[0]));
}

std::tm clock_now(const std::string& now) {
  std::tm tm{};
  if (now.empty()) {
    const std::time_t t = std::time(nullptr);
    localtime_r(&t, &tm);
    return tm;
  }
  int y, mo, d, h = 0, mi = 0, s = 0;
  const int n = std::sscanf(now.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  if (n < 3) fail("strftime_now: bad clock value '{}' (want YYYY-MM-DDTHH:MM:SS)", now);
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  std::tm copy = tm;
  const std::time_t t = timegm(&copy);  // fills weekday and day of year
  gmtime_r(&t, &tm);
  tm.tm_isdst = -1;
  return tm;
}

// datetime.strftime of a naive datetime: %f is microseconds, %z/%Z are empty, the rest is the
// C library's strftime in the C locale.
Value g_strftime_now(Interpreter& in, CallArgs& args) {
  if (args.pos.size() != 1 || !args.kw.empty())
    type_error("strftime_now() takes exactly one argument");
  const std::string f = arg_str("strftime_now", args.pos[0]);
  std::string pre;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '%' && i + 1 < f.size()) {
      const char c = f[i + 1];
      if (c == 'f') {
        pre += "000000";
      } else if (c == 'z' || c == 'Z') {
      } else {
        pre += f.substr(i, 2);
      }
      ++i;
    } else {
      pre += f[i];
    }
  }
  const std::tm tm = clock_now(in.options().now);
  static locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  std::string out(std::max<size_t>(64, pre.size() * 4), '\0');
  while (true) {
    const size_t n = strftime_l(out.data(), out.size(), pre.c_str(), &tm, c_locale);
    if (n > 0 || pre.empty() || out.size() > pre.size() * 1024) {
      out.resize(n);
      return Value::string(std::move(out));
    }
    out.resize(out.size() * 2);
  }
}

struct GlobalEntry {
  const char* name;
  GlobalFn fn;
};

constexpr GlobalEntry kGlobals[] = {
    {"range", g_range},
    {"dict", g_dict},
    {"namespace", g_namespace},
    {"joiner", g_joiner},
    {"raise_exception", g_raise_exception},
    {"strftime_now", g_strftime_now},
};

}  // namespace

Value find_global(std::string_view name) {
  for (const auto& g : kGlobals) {
    if (name == g.name) return make_callable(std::make_shared<BuiltinFn>(g.name, g.fn));
  }
  return Value();
}

}  // namespace owl::tmpl
