#!/usr/bin/env python3
"""Side-by-side speed of owl and other engines on the same GGUF file.

Runs `owl bench` and each peer's `llama-bench` (llama.cpp, ik_llama.cpp, ...) on the same model
with the same thread count, alternating engines round by round so that slow drifts of the host
(memory bandwidth changes from hour to hour) hit every engine alike, then prints the median of
each engine and owl's ratio to each peer.

  bench/compare.py MODEL.gguf [--owl build/release/apps/cli/owl] [--peer "/path/llama-bench"]
                   [--peer "/path/ik/llama-bench -rtr 1"] [-p 128] [-n 64] [-t 2] [--rounds 5]
                   [--kv-type f16|f32]

A peer is a command line; extra llama-bench flags may follow the path. Flash attention is on for
peers (-fa 1), as owl always uses its streaming attention. Every engine gets the same KV cache
type (--kv-type, default f16: llama-bench's default; owl's own default is f32, what the reference
logits were made with).
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys


def run_owl(owl, model, p, n, t, kv_type):
    out = subprocess.run([owl, "bench", model, "-p", str(p), "-n", str(n), "-t", str(t), "-r", "1",
                          "--kv-type", kv_type, "--json"], check=True, capture_output=True, text=True).stdout
    j = json.loads(out)
    res = {}
    for test in j["tests"]:
        res["pp" if test["name"].startswith("pp") else "tg"] = test["tokens_per_s"]
    res["bandwidth_gbs"] = j["bandwidth_gbs"]
    res["roofline"] = next((x["roofline_fraction"] for x in j["tests"] if x["name"].startswith("tg")), None)
    return res


def run_peer(cmd, model, p, n, t, kv_type):
    argv = shlex.split(cmd) + ["-m", model, "-p", str(p), "-n", str(n), "-t", str(t), "-r", "1",
                               "-fa", "1", "-ctk", kv_type, "-ctv", kv_type, "-o", "json"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    # Some builds print warnings on stdout between the JSON lines (ik_llama.cpp's ggml_calloc
    # notice); keep only the lines of the JSON document.
    doc = "\n".join(line for line in out.splitlines() if not line.strip() or line.strip()[0] in '[]{}"')
    res = {}
    for row in json.loads(doc):
        key = "pp" if row.get("n_prompt", 0) > 0 and row.get("n_gen", 0) == 0 else "tg"
        res[key] = row["avg_ts"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--owl", default="build/release/apps/cli/owl")
    ap.add_argument("--peer", action="append", default=[], help="llama-bench command line (repeatable)")
    ap.add_argument("-p", type=int, default=128)
    ap.add_argument("-n", type=int, default=64)
    ap.add_argument("-t", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--kv-type", default="f16", choices=["f16", "f32"], help="KV cache type of every engine")
    args = ap.parse_args()

    engines = [("owl", lambda: run_owl(args.owl, args.model, args.p, args.n, args.t, args.kv_type))]
    for cmd in args.peer:
        engines.append((cmd, lambda c=cmd: run_peer(c, args.model, args.p, args.n, args.t, args.kv_type)))
    samples = {name: {"pp": [], "tg": []} for name, _ in engines}
    bandwidth, roofline = [], []
    for r in range(args.rounds):
        for name, fn in engines:
            res = fn()
            for k in ("pp", "tg"):
                if k in res:
                    samples[name][k].append(res[k])
            if name == "owl":
                bandwidth.append(res["bandwidth_gbs"])
                if res["roofline"] is not None:
                    roofline.append(res["roofline"])
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    med = {name: {k: statistics.median(v) if v else float("nan") for k, v in s.items()} for name, s in samples.items()}
    print(f"model {args.model}, {args.t} threads, KV cache {args.kv_type}, {args.rounds} rounds alternating, medians")
    print(f"owl measured bandwidth {statistics.median(bandwidth):.1f} GB/s, tg roofline fraction "
          f"{statistics.median(roofline):.2f}" if roofline else "")
    print(f"{'engine':<50} {'pp' + str(args.p):>10} {'tg' + str(args.n):>10} {'owl/pp':>8} {'owl/tg':>8}")
    for name, m in med.items():
        ratio_pp = med["owl"]["pp"] / m["pp"] if m["pp"] else float("nan")
        ratio_tg = med["owl"]["tg"] / m["tg"] if m["tg"] else float("nan")
        print(f"{name[:50]:<50} {m['pp']:>10.1f} {m['tg']:>10.1f} {ratio_pp:>8.2f} {ratio_tg:>8.2f}")


if __name__ == "__main__":
    main()
