"""The adapter to jsonata-python (dataflow/jsonata_engine.py) on the real library: what its
callers get back are plain values and its own three exceptions, never a library type; one
engine per process owns the recursion-limit counter."""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from statebox.dataflow.jsonata_bounds import EvaluationBudget
from statebox.dataflow.jsonata_engine import (
    EvaluationFailed,
    JsonataEngine,
    SyntaxProblem,
    UnsupportedResult,
)

LIMIT = 256 * 1024


@pytest.fixture
def engine() -> JsonataEngine:
    return JsonataEngine.shared()


def value_of(engine: JsonataEngine, text: str, states: Any = None, max_bytes: int = LIMIT) -> Any:
    return engine.evaluate(engine.compile(text), states or {}, None, EvaluationBudget(max_bytes))


def test_every_thread_gets_the_one_engine() -> None:
    seen: list[JsonataEngine] = []
    threads = [threading.Thread(target=lambda: seen.append(JsonataEngine.shared())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(engine) for engine in seen}) == 1 and seen[0] is JsonataEngine.shared()


def test_a_syntax_error_is_a_syntax_problem_with_the_library_code(engine: JsonataEngine) -> None:
    with pytest.raises(SyntaxProblem) as caught:
        engine.compile("1 +")
    assert caught.value.too_deep is False and str(caught.value).startswith("S0")


def test_an_expression_nested_past_the_stack_is_too_deep(engine: JsonataEngine) -> None:
    with pytest.raises(SyntaxProblem) as caught:
        engine.compile("(" * 50_000 + "1" + ")" * 50_000)
    assert caught.value.too_deep is True


def test_null_and_undefined_stay_apart(engine: JsonataEngine) -> None:
    assert value_of(engine, "null") is engine.null
    assert value_of(engine, "$states.missing", {"input": 1}) is None
    assert engine.to_json(value_of(engine, "[null, 1]")) == [None, 1]


def test_results_come_back_as_plain_json(engine: JsonataEngine) -> None:
    result = engine.to_json(value_of(engine, "{'a': 14 / 2, 'b': [1, 2][], 'c': 0.5}"))
    assert result == {"a": 7, "b": [1, 2], "c": 0.5}
    assert type(result["a"]) is int and type(result["b"]) is list


def test_a_function_is_an_unsupported_result(engine: JsonataEngine) -> None:
    with pytest.raises(UnsupportedResult):
        engine.to_json(value_of(engine, "function($x){ $x }"))


def test_failures_are_evaluation_failed_with_the_detail(engine: JsonataEngine) -> None:
    with pytest.raises(EvaluationFailed) as caught:
        value_of(engine, "1 / 0")
    assert str(caught.value) == "D1001: Number out of range" and caught.value.too_big is False
    with pytest.raises(EvaluationFailed) as caught:
        value_of(engine, "$string(1) + 1")
    assert str(caught.value).startswith("T2001")


def test_a_value_past_the_limit_is_too_big(engine: JsonataEngine) -> None:
    with pytest.raises(EvaluationFailed) as caught:
        value_of(engine, "$pad('', 100, 'a')", max_bytes=50)
    assert caught.value.too_big is True


def test_the_recursion_limit_is_ours_again_after_every_evaluation(engine: JsonataEngine) -> None:
    limit = sys.getrecursionlimit()
    recursive = "($f := function($n){$n <= 1 ? 1 : $n + $f($n - 1)}; $f(300))"
    assert engine.to_json(value_of(engine, recursive)) == 300 * 301 // 2
    assert sys.getrecursionlimit() == limit
    with pytest.raises(EvaluationFailed, match="nested too deeply"):
        value_of(engine, "($f := function($n){$n <= 1 ? 1 : $n + $f($n - 1)}; $f(100000))")
    assert sys.getrecursionlimit() == limit


class Held:
    """A scope whose variable `$hold` blocks the evaluation reading it until released."""

    def __init__(self) -> None:
        self.reading, self.release = threading.Event(), threading.Event()
        self.variables = self

    def get(self, name: str, default: Any = None) -> Any:
        if name != "hold":
            return default
        self.reading.set()
        assert self.release.wait(60)
        return 300


def test_engines_share_the_recursion_limit_while_evaluations_overlap() -> None:
    """One engine's evaluation ends while another's, begun later, still recurses deeply: the
    limit stays raised until the last one ends."""
    first, second = JsonataEngine(), JsonataEngine()
    limit = sys.getrecursionlimit()
    early, late = Held(), Held()
    recursive = second.compile("($n := $hold; $f := function($n){$n <= 1 ? 1 : $n + $f($n - 1)}; $f($n))")
    results: dict[str, Any] = {}

    def run(name: str, engine: JsonataEngine, tree: Any, scope: Held) -> None:
        try:
            results[name] = engine.evaluate(tree, {}, scope, EvaluationBudget(LIMIT))
        except EvaluationFailed as exc:
            results[name] = exc

    threads = [
        threading.Thread(target=run, args=("early", first, first.compile("$hold"), early)),
        threading.Thread(target=run, args=("late", second, recursive, late)),
    ]
    threads[0].start()
    assert early.reading.wait(60)
    threads[1].start()
    assert late.reading.wait(60)
    early.release.set()
    threads[0].join(60)
    late.release.set()
    threads[1].join(60)
    assert results == {"early": 300, "late": 300 * 301 // 2}
    assert sys.getrecursionlimit() == limit
