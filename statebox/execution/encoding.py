"""The record as stored: `record.to_json()` (execution/records.py) as one JSON document, in
which data the record holds in several places is written once (`encode_record` /
`decode_record`; the store calls them).

The same data turns up in several places of a record: a suspended execution's input is usually
also the suspended state's input and the pending point's data (one object), and a finished
execution's output shares most of its fields with its input (a resume merges the approver's
answer into the point's data). Encoding writes each such object once, where it first occurs,
and lists the other places under `"same"` as pairs of paths, `[where, same as where]`; decoding
puts the one decoded object back in each place. Sharing is safe because nothing in the engine
changes data in place.

What is looked at: the execution's `input` and `output`, every data value of the position tree
(`suspension.DATA_KEYS`), and the fields of those that are objects (one level down). Only
strings and containers with more than 64 characters of content count (a reference to less
would cost more than the value); equal but distinct objects are written as they are.

A record orjson cannot write (an integer past 64 bits, which it would also read back as a
float) is written by the standard library and starts with `{"exact":true,`, so that decoding
it takes the exact reader too; every other record is read by orjson.

Record format 3 is format 1 plus `"same"` (and `"exact"`); a format 1 record decodes unchanged,
and so does a format 2 one (a few hours of 2026-12-02's main: shared values listed under
`"shared"`, referred to as `"<key>#": index` in the position tree). A format change needs a new
RECORD_FORMAT and a decoder for the old one here; tests/data/records/ holds golden records.
"""

from __future__ import annotations

from typing import Any

from ..interpreter.suspension import DATA_KEYS
from ..jsonio import decode_json, encode_json, encode_json_fast
from .records import RECORD_FORMAT

SAME = "same"
# A record orjson cannot encode (integers past 64 bits, deep nesting) is written by the standard
# library with this marker first, since orjson would read such integers back as floats.
EXACT = "exact"
_EXACT_START = b'{"exact":true,'
_TOP_DATA_KEYS = ("input", "output")
_WORTH_SHARING = 64  # characters of content: less costs less to repeat than to refer to

Path = list[Any]  # dict keys and list indexes from the record's root


def encode_record(record: dict[str, Any]) -> bytes:
    shared = share_repeated_data(record)
    fast = encode_json_fast(shared)
    if fast is not None:
        return fast
    return encode_json({EXACT: True, **shared})


def decode_record(encoded: bytes) -> dict[str, Any]:
    exact = encoded.startswith(_EXACT_START)
    record = decode_json(encoded, exact=True if exact else None)
    if not isinstance(record, dict):
        return record  # type: ignore[return-value]
    if exact:
        del record[EXACT]
    if SAME in record:
        for where, source in record.pop(SAME):
            *parents, last = where
            _at(record, parents)[last] = _at(record, source)
    elif "shared" in record:
        _decode_format_2(record)
    return record


def share_repeated_data(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with each object it holds in several places written once: a new dict, with new
    containers along the paths of the places replaced (`record` and what it holds are left as
    they are). The record itself when nothing repeats."""
    first: dict[int, Path] = {}
    repeats: list[tuple[Path, Path]] = []
    replaced: set[tuple[Any, ...]] = set()
    for path, value in _data_places(record):
        if any(tuple(path[:depth]) in replaced for depth in range(1, len(path))):
            continue  # inside a place already replaced: it goes with what replaced it
        seen = first.get(id(value))
        if seen is None:
            first[id(value)] = path
        else:
            repeats.append((path, seen))
            replaced.add(tuple(path))
    if not repeats:
        return record
    out = dict(record)
    for path, _ in repeats:
        _replace_in_copy(out, record, path)
    out[SAME] = repeats
    out["format"] = RECORD_FORMAT  # an older record being saved again is written in this one
    return out


def _data_places(record: dict[str, Any]) -> list[tuple[Path, Any]]:
    """(path, value) of every shareable data value and of its fields, first occurrences first."""
    places: list[tuple[Path, Any]] = []
    for key in _TOP_DATA_KEYS:
        if key in record:
            _add_data(places, [key], record[key])
    _add_position(places, ["position"], record.get("position"))
    return places


def _add_position(places: list[tuple[Path, Any]], path: Path, node: Any) -> None:
    if type(node) is dict:
        for key, value in node.items():
            if key in DATA_KEYS:
                _add_data(places, [*path, key], value)
            elif type(value) in (dict, list):
                _add_position(places, [*path, key], value)
    elif type(node) is list:
        for index, item in enumerate(node):
            _add_position(places, [*path, index], item)


def _add_data(places: list[tuple[Path, Any]], path: Path, value: Any) -> None:
    if not _shareable(value):
        return
    places.append((path, value))
    if type(value) is dict:
        places.extend(([*path, key], field) for key, field in value.items() if _shareable(field))


def _shareable(value: Any) -> bool:
    """A long string, or a container holding more than _WORTH_SHARING characters of content
    (counted only that far, so a big container costs no more to judge than a small one)."""
    kind = type(value)
    if kind is str:
        return len(value) > _WORTH_SHARING
    if kind is not dict and kind is not list:
        return False
    budget = _WORTH_SHARING
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, item in items:
            budget -= (len(key) if type(key) is str else 1) + (len(item) if type(item) is str else 1)
            if budget < 0:
                return True
            if type(item) in (dict, list):
                stack.append(item)
    return False


def _replace_in_copy(out: dict[str, Any], original: dict[str, Any], path: Path) -> None:
    """Copy the containers along `path` (once each) and put None at its end."""
    node, source = out, original
    for step in path[:-1]:
        child = node[step]
        if child is source[step]:  # not copied yet
            child = dict(child) if type(child) is dict else list(child)
            node[step] = child
        node, source = child, source[step]
    node[path[-1]] = None


def _at(record: Any, path: Path) -> Any:
    for step in path:
        record = record[step]
    return record


def _decode_format_2(record: dict[str, Any]) -> None:
    shared = record.pop("shared")

    def restore(node: Any) -> None:
        if type(node) is dict:
            for key in [k for k in node if k.endswith("#")]:
                node[key[:-1]] = shared[node.pop(key)]
            for key, value in node.items():
                if key not in DATA_KEYS and type(value) in (dict, list):
                    restore(value)
        elif type(node) is list:
            for item in node:
                restore(item)

    for key in _TOP_DATA_KEYS:
        if key + "#" in record:
            record[key] = shared[record.pop(key + "#")]
    restore(record.get("position"))
