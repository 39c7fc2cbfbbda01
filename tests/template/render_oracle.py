#!/usr/bin/python3
"""Renders template test cases with Python Jinja2 configured like Hugging Face transformers'
chat-template environment, producing the expected outputs the C++ renderer is compared with.

Usage: render_oracle.py CASES_FILE OUT_JSONL

CASES_FILE holds cases separated by header lines "#### <name>" or "#### <name> | <json vars>".
A case's template is the text after its header line up to the next header, without the one
newline that precedes that header (a blank line before the header keeps a trailing newline).
Each output line is {"name", "template", "vars", "rendered"} or, when rendering raised,
{"name", "template", "vars", "error", "error_type"}.
"""
import copy
import json
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
            current = (name.strip(), json.loads(vars_text) if vars_text.strip() else {})
            body = []
        elif current is not None:
            body.append(line)
    if current is not None:
        cases.append((current[0], current[1], "\n".join(body)))
    return cases


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: render_oracle.py CASES_FILE OUT_JSONL")
    env = make_environment()
    names = set()
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        for name, variables, source in read_cases(sys.argv[1]):
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


if __name__ == "__main__":
    main()
