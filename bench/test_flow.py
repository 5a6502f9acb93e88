"""Pure-flow benchmarks (issue 7): chain, loop, map, parallel, payload — the peer harness's
W1–W5 — each against the hand-written floor measured in the same run.

Variants per workload:
  floor                     workloads.floor_*: the same dict work in a plain Python loop
  statebox.run(definition)  what the peer harness times: the definition dict every run
                            (parse is cached by content, but the cache key is computed each run)
  statebox.run(machine)     a parsed Machine: the interpreter and engine only
  parse (uncached)          validate + compile the definition (a fresh Comment defeats the cache)

Every round gets a fresh copy of the input and a `gc.collect()` first, untimed, as run.py does.
The last output is checked against the workload's expected output.

    .venv/bin/python -m pytest bench --benchmark-only [--bench-scale 0.1]
"""

from __future__ import annotations

import copy
import gc
import itertools
import json

import pytest

import statebox
from statebox.definition.parse import parse

from .conftest import WORKLOADS, WORKLOADS_USED, record

ROUNDS = {"chain": 15, "loop": 15, "map": 7, "parallel": 15, "payload": 15}
FLOOR_ROUNDS = 200
_unique = itertools.count()


def _job(name: str, scale: float) -> tuple[dict, int, int]:
    w = WORKLOADS.get(name)
    n = WORKLOADS.scaled(name, scale)
    return w, n, w["transitions"](n)


def _fresh_input(w: dict, n: int):
    text = json.dumps(w["input"](n))

    def setup():
        gc.collect()
        return (json.loads(text),), {}

    return setup


@pytest.mark.parametrize("name", WORKLOADS_USED)
def test_floor(benchmark, name, scale):
    w, n, transitions = _job(name, scale)
    floor = w["floor"]
    setup = _fresh_input(w, n)
    out = benchmark.pedantic(lambda data: floor(data, n), setup=setup, rounds=FLOOR_ROUNDS, iterations=1)
    assert w["check"](out, n)
    record(benchmark, name, "floor", n, transitions)


@pytest.mark.parametrize("name", WORKLOADS_USED)
def test_run_definition(benchmark, name, scale):
    w, n, transitions = _job(name, scale)
    definition = w["definition"](n)
    statebox.run(definition, w["input"](n))  # first run (parse, caches) not timed
    result = benchmark.pedantic(
        lambda data: statebox.run(definition, data),
        setup=_fresh_input(w, n),
        rounds=ROUNDS[name],
        iterations=1,
    )
    assert result.status == "SUCCEEDED" and w["check"](result.output, n)
    record(benchmark, name, "statebox.run(definition)", n, transitions)


@pytest.mark.parametrize("name", WORKLOADS_USED)
def test_run_machine(benchmark, name, scale):
    w, n, transitions = _job(name, scale)
    machine = parse(w["definition"](n))
    statebox.run(machine, w["input"](n))
    result = benchmark.pedantic(
        lambda data: statebox.run(machine, data), setup=_fresh_input(w, n), rounds=ROUNDS[name], iterations=1
    )
    assert result.status == "SUCCEEDED" and w["check"](result.output, n)
    record(benchmark, name, "statebox.run(machine)", n, transitions)


@pytest.mark.parametrize("name", WORKLOADS_USED)
def test_parse_uncached(benchmark, name, scale):
    w, n, transitions = _job(name, scale)
    base = w["definition"](n)

    def setup():
        definition = copy.deepcopy(base)
        definition["Comment"] = f"bench {next(_unique)}"  # a new cache key every round
        gc.collect()
        return (definition,), {}

    benchmark.pedantic(parse, setup=setup, rounds=5, iterations=1)
    record(benchmark, name, "parse (uncached)", n, transitions)
