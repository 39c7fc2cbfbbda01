#!/usr/bin/python3
"""Renders template test cases with Python Jinja2 configured like Hugging Face transformers'
chat-template environment, producing the expected outputs the C++ renderer is compared with.

Usage: render_oracle.py CASES_FILE OUT_JSONL
       render_oracle.py --chat SHARED_DIR CONVERSATIONS_JSON OUT_JSONL
       render_oracle.py --random COUNT SEED OUT_JSONL
       render_oracle.py --random-stmt COUNT SEED OUT_JSONL

CASES_FILE holds cases separated by header lines "#### <name>" or "#### <name> | <json vars>"
(or "| @<python expression>" for variables too long to write out, e.g. every letter of a script).
A case's template is the text after its header line up to the next header, without the one
newline that precedes that header (a blank line before the header keeps a trailing newline).
Each output line is {"name", "template", "vars", "rendered"} or, when rendering raised,
{"name", "template", "vars", "error", "error_type"}.
"""
import copy
import json
import random
import sys
from datetime import datetime

import jinja2  # python3-jinja2 (Debian); its absence must fail the test, not skip it
import jinja2.ext
import jinja2.nodes
import jinja2.sandbox

CLOCK = datetime(2026, 3, 14, 15, 9, 26)  # the fixed clock behind strftime_now
CLOCK_TEXT = "2026-03-14T15:09:26"


class GenerationBlock(jinja2.ext.Extension):
    """{% generation %}...{% endgeneration %}: renders its body (transformers' AssistantTracker
    tag, minus the bookkeeping of which characters the assistant generated)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        call = self.call_method("_render_body")
        return jinja2.nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def make_environment():
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[GenerationBlock, jinja2.ext.loopcontrols],
    )

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def strftime_now(fmt):
        return CLOCK.strftime(fmt)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def read_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()  # the file's final newline ends the last line; it is not template text
    current = None
    body = []
    for line in lines:
        if line.startswith("#### "):
            if current is not None:
                cases.append((current[0], current[1], "\n".join(body)))
            header = line[5:]
            name, _, vars_text = header.partition(" | ")
            vars_text = vars_text.strip()
            if vars_text.startswith("@"):  # variables computed by a Python expression
                variables = eval(vars_text[1:], {"chr": chr, "range": range})  # noqa: S307
            else:
                variables = json.loads(vars_text) if vars_text else {}
            current = (name.strip(), variables)
            body = []
        elif current is not None:
            body.append(line)
    if current is not None:
        cases.append((current[0], current[1], "\n".join(body)))
    return cases


def load_chat_template(path, has_tools):
    """The template transformers would use: tokenizer_config.json's chat_template (a string, or
    named templates: "tool_use" when tools are passed, else "default") or a .jinja file."""
    with open(path, encoding="utf-8") as f:
        if not path.endswith(".json"):
            return f.read()
        template = json.load(f)["chat_template"]
    if isinstance(template, str):
        return template
    named = {t["name"]: t["template"] for t in template}
    if has_tools and "tool_use" in named:
        return named["tool_use"]
    return named["default"]


def render_chat(shared_dir, conversations_path, out_path):
    """Every conversation through every template, passing variables as apply_chat_template does:
    messages, tools, documents=None, add_generation_prompt, the special tokens that are not
    null, then the extra keyword arguments."""
    env = make_environment()
    compiled = {}  # template source -> compiled template (compiling dominates the run time)
    with open(conversations_path, encoding="utf-8") as f:
        spec = json.load(f)
    with open(out_path, "w", encoding="utf-8") as out:
        for tmpl in spec["templates"]:
            path = f"{shared_dir}/tokenizers/{tmpl['source']}"
            for conv in spec["conversations"]:
                request = {
                    "messages": conv["messages"],
                    "tools": conv.get("tools"),
                    "add_generation_prompt": conv.get("add_generation_prompt", False),
                    "extra": conv.get("extra", {}),
                    "bos_token": tmpl["bos_token"],
                    "eos_token": tmpl["eos_token"],
                    "now": CLOCK_TEXT,
                }
                special = {k: request[k] for k in ("bos_token", "eos_token") if request[k] is not None}
                kwargs = copy.deepcopy(request["extra"])
                rec = {"template": tmpl["name"], "source": tmpl["source"], "id": conv["id"],
                       "request": request}
                try:
                    source = load_chat_template(path, request["tools"] is not None)
                    if source not in compiled:
                        compiled[source] = env.from_string(source)
                    rec["rendered"] = compiled[source].render(
                        messages=copy.deepcopy(request["messages"]),
                        tools=copy.deepcopy(request["tools"]), documents=None,
                        add_generation_prompt=request["add_generation_prompt"],
                        **{**special, **kwargs})
                except Exception as e:  # every failure is an expected outcome to compare
                    rec["error"] = str(e)
                    rec["error_type"] = type(e).__name__
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")


# ---- random expressions (differential testing) ------------------------------------------------

RANDOM_VARS = {"s": "Hello, World", "t": "  a b  ", "e": "", "n": 7, "z": 0, "f": 2.5,
               "l": [3, 1, 2], "w": ["b", "A", "c", "a"], "d": {"k": "v", "n": 2, "b": [1]},
               "m": [{"role": "user", "c": "x"}, {"role": "system", "c": "y"}], "b": True,
               "nn": None, "u8": "é中😀"}
ATOMS = ["0", "1", "-3", "42", "0.5", "2.0", "-0.25", "1e-3", "'a'", "'Hello World'", "''",
         "' x '", "'é'", "'a,b'", "none", "true", "false", "[1, 2, 3]", "['x', 'y']", "[]",
         "{'k': 1}", "(1, 'a')", "s", "t", "e", "n", "z", "f", "l", "w", "d", "m", "b", "nn",
         "u8", "undefined_name", "d.k", "m[0]", "l[-1]", "s[1:4]"]
FILTERS = ["length", "string", "upper", "lower", "trim", "first", "last", "list", "sort",
           "unique|list", "reverse|list", "join(',')", "default('d')", "int", "float", "abs",
           "round", "tojson", "capitalize", "title", "count", "sum", "min", "max",
           "replace('a', 'b')", "center(7)", "indent(2)", "wordcount", "items|list",
           "dictsort", "select|list", "reject('none')|list", "map('string')|list",
           "batch(2)|list", "truncate(5, true)", "e", "safe", "string|length",
           "selectattr('role', 'eq', 'user')|list", "map(attribute='c')|list", "tojson(indent=1)",
           "sort(reverse=true)", "join", "float|round(1)"]
TESTS = ["defined", "undefined", "none", "string", "number", "mapping", "iterable", "sequence",
         "odd", "even", "divisibleby(3)", "lower", "upper", "in([1, 'a', 2.0])", "integer",
         "float", "true", "false", "boolean", "sameas(none)", "eq(1)", "gt(0)"]
METHODS = ["upper()", "split()", "split(',')", "strip()", "startswith('H')", "replace('l', 'L')",
           "get('k')", "get('x', 0)", "count('l')", "find('o')", "title()", "items()|list",
           "keys()|list", "index(1)", "lstrip(' H')", "endswith(('d', 'x'))", "rsplit(' ', 1)",
           "capitalize()", "format(1, 2)", "isdigit()", "zfill(4)", "join(['p', 'q'])"]
BINOPS = ["+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "==", "!=", "<", "<=", ">",
          ">=", "in", "not in"]


def random_expr(rng, depth):
    if depth <= 0 or rng.random() < 0.25:
        return rng.choice(ATOMS)
    r = rng.random()
    sub = lambda: random_expr(rng, depth - 1)  # noqa: E731
    if r < 0.3:
        return f"({sub()} {rng.choice(BINOPS)} {sub()})"
    if r < 0.5:
        return f"({sub()}|{rng.choice(FILTERS)})"
    if r < 0.6:
        return f"({sub()} is {'not ' if rng.random() < 0.3 else ''}{rng.choice(TESTS)})"
    if r < 0.7:
        return f"{rng.choice(ATOMS)}.{rng.choice(METHODS)}"
    if r < 0.78:
        return f"({sub()} if {sub()} else {sub()})"
    if r < 0.86:
        return f"({'-' if rng.random() < 0.5 else 'not '}{sub()})"
    if r < 0.93:
        return f"[{sub()}, {sub()}][{rng.choice(['0', '-1', '1:', '::-1'])}]"
    return f"{{'k': {sub()}}}['k']"


def random_cases(count, seed):
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        expr = random_expr(rng, 3)
        if rng.random() < 0.2:
            source = f"{{% for x in {expr} %}}[{{{{ x }}}}]{{% else %}}empty{{% endfor %}}"
        else:
            source = f"{{{{ {expr} }}}}"
        cases.append((f"random_{seed}_{i}", RANDOM_VARS, source))
    return cases


STMT_EXPRS = ["p", "q", "r", "ns.a", "n", "s", "l", "p ~ q", "(p or 0) + 1", "l|length", "s|upper",
              "loop.index", "loop.first", "a", "b", "q is defined", "p if q else r", "[p, q]",
              "ns.a * 2", "l[0]", "d.k", "'lit'", "none", "caller is defined"]
WS = ["", " ", "\n", "  ", "\n  ", " \n", "\t", "\n\n"]


def random_tag(rng, open_, close, body):
    left = rng.choice(["", "-", "+"]) if open_ == "{%" else rng.choice(["", "-"])
    right = rng.choice(["", "-", "+"]) if close == "%}" else rng.choice(["", "-"])
    if left == "+" and open_ != "{%":
        left = ""
    return f"{open_}{left} {body} {right}{close}"


def random_block(rng, depth):
    parts = []
    for _ in range(rng.randint(1, 4)):
        parts.append(rng.choice(WS))
        parts.append(random_stmt(rng, depth))
    parts.append(rng.choice(WS))
    return "".join(parts)


def random_stmt(rng, depth):
    r = rng.random()
    e = lambda: rng.choice(STMT_EXPRS)  # noqa: E731
    if depth <= 0 or r < 0.3:
        if rng.random() < 0.3:
            return rng.choice(["text", "x", "- y -", "{#c#}", "{#- c -#}"])
        return random_tag(rng, "{{", "}}", e())
    if r < 0.45:
        return random_tag(rng, "{%", "%}", f"set {rng.choice(['p', 'q', 'r'])} = {e()}")
    if r < 0.55:
        return random_tag(rng, "{%", "%}", f"set ns.a = {e()}")
    if r < 0.7:
        out = random_tag(rng, "{%", "%}", f"if {e()}") + random_block(rng, depth - 1)
        if rng.random() < 0.4:
            out += random_tag(rng, "{%", "%}", f"elif {e()}") + random_block(rng, depth - 1)
        if rng.random() < 0.5:
            out += random_tag(rng, "{%", "%}", "else") + random_block(rng, depth - 1)
        return out + random_tag(rng, "{%", "%}", "endif")
    if r < 0.85:
        target = rng.choice(["p", "x", "q"])
        out = random_tag(rng, "{%", "%}", f"for {target} in {rng.choice(['l', 's', '[1, 2]', 'd', 'range(3)'])}")
        out += random_block(rng, depth - 1)
        if rng.random() < 0.3:
            out += random_tag(rng, "{%", "%}", "else") + random_block(rng, depth - 1)
        return out + random_tag(rng, "{%", "%}", "endfor")
    if r < 0.93:
        name = rng.choice(["mm", "mx"])
        out = random_tag(rng, "{%", "%}", f"macro {name}(a, b=2)") + random_block(rng, depth - 1)
        out += random_tag(rng, "{%", "%}", "endmacro")
        return out + random_tag(rng, "{{", "}}", f"{name}({e()})")
    return (random_tag(rng, "{%", "%}", f"set {rng.choice(['p', 'q'])}") + random_block(rng, depth - 1)
            + random_tag(rng, "{%", "%}", "endset"))


def random_stmt_cases(count, seed):
    rng = random.Random(seed)
    variables = {"n": 3, "s": "ab", "l": [1, "x"], "d": {"k": "v"}}
    cases = []
    for i in range(count):
        source = "{% set ns = namespace(a=1) %}" + random_block(rng, 3)
        cases.append((f"random_stmt_{seed}_{i}", variables, source))
    return cases


def render_cases(cases, out_path):
    env = make_environment()
    names = set()
    with open(out_path, "w", encoding="utf-8") as out:
        for name, variables, source in cases:
            if name in names:
                sys.exit(f"duplicate case name {name!r}")
            names.add(name)
            rec = {"name": name, "template": source, "vars": variables, "now": CLOCK_TEXT}
            try:
                # Rendering may mutate the variables (list.pop is allowed): keep the originals.
                rec["rendered"] = env.from_string(source).render(**copy.deepcopy(variables))
            except Exception as e:  # every failure is an expected outcome to compare
                rec["error"] = str(e)
                rec["error_type"] = type(e).__name__
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--random-stmt":
        render_cases(random_stmt_cases(int(sys.argv[2]), int(sys.argv[3])), sys.argv[4])
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--random":
        render_cases(random_cases(int(sys.argv[2]), int(sys.argv[3])), sys.argv[4])
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--chat":
        render_chat(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    if len(sys.argv) != 3:
        sys.exit("usage: render_oracle.py CASES_FILE OUT_JSONL\n"
                 "       render_oracle.py --chat SHARED_DIR CONVERSATIONS_JSON OUT_JSONL")
    render_cases(read_cases(sys.argv[1]), sys.argv[2])


if __name__ == "__main__":
    main()
