"""Every store implements `Store` exactly: the same members, each with the protocol's
signature (names, kinds, defaults, annotations), coroutines where the protocol has them.

The check reads the classes, not instances' `isinstance` (a runtime_checkable protocol only
looks for names). mypy checks the same structurally through `as_stores` below:
`.venv/bin/python -m mypy statebox/stores tests/unit/stores/test_protocol.py`."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from statebox.stores import Store
from statebox.stores.lazy import LazyStore
from statebox.stores.redis import RedisStore

IMPLEMENTATIONS = [RedisStore, LazyStore]


def as_stores(redis_store: RedisStore, lazy: LazyStore) -> tuple[Store, Store]:
    return redis_store, lazy  # mypy: both are structurally a Store


def protocol_members() -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(Store).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }


def test_the_protocol_names_what_the_execution_layer_calls() -> None:
    assert sorted(protocol_members()) == [
        "claim", "count_timer_failure", "drop_timer", "due_timers", "lease_ms", "load",
        "load_definition", "point_status", "release", "renew", "reschedule_timer", "save",
        "take_timer",
    ]  # fmt: skip


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS, ids=lambda cls: cls.__name__)
def test_each_method_has_the_protocols_signature(implementation: type) -> None:
    for name, member in protocol_members().items():
        if isinstance(member, property):
            continue
        ours = getattr(implementation, name, None)
        assert ours is not None, f"{implementation.__name__} lacks {name}"
        expected = inspect.signature(member, eval_str=True)
        actual = inspect.signature(ours, eval_str=True)
        assert actual == expected, f"{implementation.__name__}.{name}{actual} is not {name}{expected}"
        assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(member), name


def test_lease_ms_is_an_int_on_every_store() -> None:
    expected = inspect.signature(vars(Store)["lease_ms"].fget, eval_str=True).return_annotation
    redis_store = RedisStore.in_process(lease_ms=1234)
    lazy = LazyStore(lambda: RedisStore.in_process(lease_ms=4321))
    assert expected is int
    assert (redis_store.lease_ms, lazy.lease_ms) == (1234, 4321)
    assert inspect.signature(vars(LazyStore)["lease_ms"].fget, eval_str=True).return_annotation is int


def test_a_lazy_store_builds_its_store_at_the_first_call_only() -> None:
    made: list[RedisStore] = []

    def make() -> RedisStore:
        made.append(RedisStore.in_process())
        return made[-1]

    lazy = LazyStore(make)
    assert not lazy.built and made == []
    assert lazy.store is lazy.store
    assert len(made) == 1 and lazy.built
