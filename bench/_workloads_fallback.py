# ruff: noqa
# fmt: off
"""Fallback copy of ../shared/perf/workloads.py (used by bench/ only when the shared harness is
absent). Keep it identical to the shared module (`diff` it); bench/conftest.py prefers the shared one."""


import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOAD_DIR = os.path.join(HERE, "workloads")

# Base sizes at scale 1.0 (see the brief in README.md).
BASE = {
    "chain": 1000,      # W1 Pass states
    "loop": 1000,       # W2 iterations
    "map": 10000,       # W3 items
    "parallel": 100,    # W4 branches (10 Pass states each)
    "payload": 100,     # W5 Pass states (payload stays 200 KiB)
}
PARALLEL_DEPTH = 10
PAYLOAD_BYTES = 200 * 1024

ORDER = ["chain", "loop", "loopnm", "map", "parallel", "payload"]
ALIASES = {"w1": "chain", "w2": "loop", "w2nm": "loopnm", "w3": "map",
           "w4": "parallel", "w5": "payload"}


def scaled(name, scale):
    base = BASE["loop" if name == "loopnm" else name]
    return max(2, int(round(base * scale)))


# --------------------------------------------------------------------------
# W1 chain: N Pass states, each Parameters + ResultPath on a small object.
# --------------------------------------------------------------------------

def def_chain(n):
    states = {}
    for i in range(n):
        st = {
            "Type": "Pass",
            "Parameters": {"i": i, "b.$": "$.b", "d.$": "$.c.d"},
            "ResultPath": "$.r",
        }
        if i == n - 1:
            st["End"] = True
        else:
            st["Next"] = "S%05d" % (i + 1)
        states["S%05d" % i] = st
    return {"Comment": "W1 chain: %d Pass states with Parameters/ResultPath" % n,
            "StartAt": "S00000", "States": states}


def input_chain(n):
    return {"a": 1, "b": "x", "c": {"d": [1, 2, 3]}, "r": None}


def check_chain(out, n):
    return (isinstance(out, dict) and out.get("a") == 1 and out.get("b") == "x"
            and out.get("r") == {"i": n - 1, "b": "x", "d": [1, 2, 3]})


def transitions_chain(n):
    return n


def floor_chain(inp, n):
    d = inp
    for i in range(n):
        res = {"i": i, "b": d["b"], "d": d["c"]["d"]}
        out = dict(d)
        out["r"] = res
        d = out
    return d


# --------------------------------------------------------------------------
# W2 loop: Choice-driven loop with States.MathAdd.
# --------------------------------------------------------------------------

def def_loop(n):
    return {
        "Comment": "W2 loop: %d iterations, counter via States.MathAdd" % n,
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice",
                      "Choices": [{"Variable": "$.i", "NumericLessThan": n, "Next": "Inc"}],
                      "Default": "Done"},
            "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"},
                    "Next": "Check"},
            "Done": {"Type": "Succeed"},
        },
    }


def input_loop(n):
    return {"i": 0}


def check_loop(out, n):
    return out == {"i": n}


def transitions_loop(n):
    return 2 * n + 2


def floor_loop(inp, n):
    d = inp
    while d["i"] < n:               # Choice
        d = {"i": d["i"] + 1}       # Pass + Parameters(MathAdd)
    return d


# --------------------------------------------------------------------------
# W2 "loopnm": same loop without any intrinsic function (for engines that
# lack States.MathAdd). The counter is a D-digit decimal odometer kept as
# strings; each digit has a Choice (StringEquals 0..8) and 9 Pass states that
# write the next digit with Result+ResultPath. The input presets the odometer
# to 10^D - n, so exactly n increments happen before the overflow -> Done.
# --------------------------------------------------------------------------

def _digits(n):
    return max(1, int(math.ceil(math.log10(n + 1))))


def def_loopnm(n):
    D = _digits(n)
    states = {}
    for d in range(D):
        states["Inc%d" % d] = {
            "Type": "Choice",
            "Choices": [{"Variable": "$.d%d" % d, "StringEquals": str(k),
                         "Next": "Set%d_%d" % (d, k + 1)} for k in range(9)],
            "Default": "Carry%d" % d if d < D - 1 else "Done",
        }
        for k in range(1, 10):
            states["Set%d_%d" % (d, k)] = {"Type": "Pass", "Result": str(k),
                                           "ResultPath": "$.d%d" % d, "Next": "Inc0"}
        if d < D - 1:
            states["Carry%d" % d] = {"Type": "Pass", "Result": "0",
                                     "ResultPath": "$.d%d" % d, "Next": "Inc%d" % (d + 1)}
    states["Done"] = {"Type": "Succeed"}
    return {"Comment": "W2 loop without intrinsics: %d iterations, %d-digit string odometer"
                       % (n, D),
            "StartAt": "Inc0", "States": states}


def input_loopnm(n):
    D = _digits(n)
    v = 10 ** D - n
    return {"d%d" % d: str((v // 10 ** d) % 10) for d in range(D)}


def check_loopnm(out, n):
    # after the final overflow every digit but the top one was carried to "0";
    # the top digit stays "9" (its Choice falls through to Done).
    D = _digits(n)
    exp = {"d%d" % d: "0" for d in range(D - 1)}
    exp["d%d" % (D - 1)] = "9"
    return out == exp


def _simulate_loopnm(inp, n):
    """Hand-written odometer: returns (output, transitions)."""
    D = _digits(n)
    d = inp
    t = 0
    pos = 0
    while True:
        t += 1                          # Inc<pos> Choice
        c = d["d%d" % pos]
        if c != "9":
            t += 1                      # Set Pass
            out = dict(d)
            out["d%d" % pos] = str(int(c) + 1)
            d = out
            pos = 0
            continue
        if pos == D - 1:
            t += 1                      # Done
            return d, t
        t += 1                          # Carry Pass
        out = dict(d)
        out["d%d" % pos] = "0"
        d = out
        pos += 1


def transitions_loopnm(n):
    return _simulate_loopnm(input_loopnm(n), n)[1]


def floor_loopnm(inp, n):
    return _simulate_loopnm(inp, n)[0]


# --------------------------------------------------------------------------
# W3 map: Map over N items, Pass iterator, MaxConcurrency 0.
# --------------------------------------------------------------------------

def def_map(n):
    return {
        "Comment": "W3 map: Map over %d items, Pass iterator, MaxConcurrency 0" % n,
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "P",
                    "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.id"},
                                     "End": True}},
                },
                "End": True,
            }
        },
    }


def input_map(n):
    return {"items": [{"id": k} for k in range(n)]}


def check_map(out, n):
    return (isinstance(out, list) and len(out) == n and out[0] == {"v": 0}
            and out[-1] == {"v": n - 1})


def transitions_map(n):
    return n + 1


def floor_map(inp, n):
    return [{"v": it["id"]} for it in inp["items"]]


# --------------------------------------------------------------------------
# W4 parallel: N branches x 10 Pass states. State names are globally unique
# (one peer keys branch machines by their StartAt name).
# --------------------------------------------------------------------------

def def_parallel(n):
    branches = []
    for b in range(n):
        states = {}
        for s in range(PARALLEL_DEPTH):
            name = "B%03dS%d" % (b, s)
            st = {"Type": "Pass", "Result": {"b": b, "s": s}, "ResultPath": "$.last"}
            if s == PARALLEL_DEPTH - 1:
                st["End"] = True
            else:
                st["Next"] = "B%03dS%d" % (b, s + 1)
            states[name] = st
        branches.append({"StartAt": "B%03dS0" % b, "States": states})
    return {"Comment": "W4 parallel: %d branches x %d Pass states" % (n, PARALLEL_DEPTH),
            "StartAt": "Par",
            "States": {"Par": {"Type": "Parallel", "Branches": branches, "End": True}}}


def input_parallel(n):
    return {"x": 1}


def check_parallel(out, n):
    return (isinstance(out, list) and len(out) == n
            and out[0] == {"x": 1, "last": {"b": 0, "s": PARALLEL_DEPTH - 1}}
            and out[-1] == {"x": 1, "last": {"b": n - 1, "s": PARALLEL_DEPTH - 1}})


def transitions_parallel(n):
    return n * PARALLEL_DEPTH + 1


def floor_parallel(inp, n):
    outs = []
    for b in range(n):
        d = inp
        for s in range(PARALLEL_DEPTH):
            out = dict(d)
            out["last"] = {"b": b, "s": s}
            d = out
        outs.append(d)
    return outs


# --------------------------------------------------------------------------
# W5 payload: ~200 KiB document carried through N Pass states, each using
# InputPath, ResultPath and OutputPath: {"p": P} -> {"p": P}.
# --------------------------------------------------------------------------

def def_payload(n):
    states = {}
    for i in range(n):
        st = {"Type": "Pass", "InputPath": "$.p", "ResultPath": "$.q.p", "OutputPath": "$.q"}
        if i == n - 1:
            st["End"] = True
        else:
            st["Next"] = "S%04d" % (i + 1)
        states["S%04d" % i] = st
    return {"Comment": "W5 payload: 200 KiB document through %d Pass states" % n,
            "StartAt": "S0000", "States": states}


_PAYLOAD_CACHE = {}


def make_payload_doc(target=PAYLOAD_BYTES):
    if target in _PAYLOAD_CACHE:
        return json.loads(_PAYLOAD_CACHE[target])
    recs = []
    size = 20
    i = 0
    while size < target:
        r = {"id": i, "name": "user-%05d" % i, "email": "user%05d@example.org" % i,
             "tags": ["t%d" % (i % 7), "g%d" % (i % 3)], "score": i * 0.5,
             "active": i % 2 == 0, "addr": {"city": "City%03d" % (i % 100), "zip": "%05d" % i}}
        size += len(json.dumps(r)) + 2
        recs.append(r)
        i += 1
    doc = {"kind": "payload", "records": recs}
    _PAYLOAD_CACHE[target] = json.dumps(doc)
    return doc


def input_payload(n):
    return {"p": make_payload_doc()}


def check_payload(out, n):
    return isinstance(out, dict) and list(out) == ["p"] and out["p"] == make_payload_doc()


def transitions_payload(n):
    return n


def floor_payload(inp, n):
    d = inp
    for _ in range(n):
        eff = d["p"]            # InputPath
        out = dict(d)           # ResultPath $.q.p on the raw input
        out["q"] = {"p": eff}
        d = out["q"]            # OutputPath
    return d


# --------------------------------------------------------------------------

def get(name):
    g = globals()
    return {
        "name": name,
        "definition": g["def_" + name],
        "input": g["input_" + name],
        "check": g["check_" + name],
        "transitions": g["transitions_" + name],
        "floor": g["floor_" + name],
    }


def file_name(name):
    return {"chain": "w1_chain", "loop": "w2_loop", "loopnm": "w2_loop_nomath",
            "map": "w3_map", "parallel": "w4_parallel", "payload": "w5_payload"}[name]


def load_definition(name, scale):
    """Committed file at scale 1.0, else generated."""
    if scale == 1.0:
        path = os.path.join(WORKLOAD_DIR, file_name(name) + ".asl.json")
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
    return get(name)["definition"](scaled(name, scale))
