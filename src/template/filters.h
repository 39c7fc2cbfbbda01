// Internal: the built-in filter functions (jinja2/filters.py semantics with HF's tojson),
// split across filters_text.cpp and filters_seq.cpp; filters.cpp holds the registry.
#pragma once

#include "template/builtins.h"
#include "template/interpreter.h"

namespace owl::tmpl {

#define OWL_FILTER(name) Value name(Interpreter& in, const Value& v, CallArgs& args)

// filters_text.cpp
OWL_FILTER(f_upper);
OWL_FILTER(f_lower);
OWL_FILTER(f_capitalize);
OWL_FILTER(f_title);
OWL_FILTER(f_trim);
OWL_FILTER(f_center);
OWL_FILTER(f_replace);
OWL_FILTER(f_indent);
OWL_FILTER(f_truncate);
OWL_FILTER(f_wordcount);
OWL_FILTER(f_string);
OWL_FILTER(f_safe);
OWL_FILTER(f_escape);
OWL_FILTER(f_forceescape);
OWL_FILTER(f_striptags);
OWL_FILTER(f_urlencode);
OWL_FILTER(f_xmlattr);
OWL_FILTER(f_format);
OWL_FILTER(f_tojson);
OWL_FILTER(f_pprint);
OWL_FILTER(f_int);
OWL_FILTER(f_float);
OWL_FILTER(f_abs);
OWL_FILTER(f_round);
OWL_FILTER(f_filesizeformat);
OWL_FILTER(f_default);
OWL_FILTER(f_attr);
OWL_FILTER(f_unsupported_random);
OWL_FILTER(f_unsupported_urlize);
OWL_FILTER(f_unsupported_wordwrap);

// filters_seq.cpp
OWL_FILTER(f_length);
OWL_FILTER(f_first);
OWL_FILTER(f_last);
OWL_FILTER(f_join);
OWL_FILTER(f_list);
OWL_FILTER(f_items);
OWL_FILTER(f_reverse);
OWL_FILTER(f_map);
OWL_FILTER(f_select);
OWL_FILTER(f_reject);
OWL_FILTER(f_selectattr);
OWL_FILTER(f_rejectattr);
OWL_FILTER(f_sort);
OWL_FILTER(f_dictsort);
OWL_FILTER(f_unique);
OWL_FILTER(f_min);
OWL_FILTER(f_max);
OWL_FILTER(f_sum);
OWL_FILTER(f_batch);
OWL_FILTER(f_slice);
OWL_FILTER(f_groupby);

#undef OWL_FILTER

// str(v) unless v is already a string (Markup stays Markup): Jinja2's soft_str.
Value soft_str(const Value& v);

// make_attrgetter: looks up a dotted path ("a.b.0") with sandboxed item-then-attribute access.
Value attr_path(Interpreter& in, const Value& item, const Value& attribute);

}  // namespace owl::tmpl
