"""The execution record as stored: one JSON document, in which data the record holds in several
places is written once.

A suspended execution's record used to carry its data three times over: the execution input,
the suspended state's input in the position tree, and the pending point's data, which are
usually one and the same object. Encoding writes every data value (see
`suspension.DATA_KEYS`) that occurs more than once, by identity, into `"shared"` and leaves
`"<key>#": <index>` in each place it occurred; decoding puts the one decoded value back in
every place. Sharing is safe because nothing in the engine changes data in place.

Record format 2 is format 1 plus that sharing; a format 1 record decodes unchanged.
"""

from __future__ import annotations

from typing import Any

from .jsonio import decode_json, encode_json
from .suspension import DATA_KEYS, position_nodes

RECORD_FORMAT = 2
SHARED = "shared"
REFERENCE = "#"  # suffix of a key whose value is an index into the record's "shared" list
_TOP_DATA_KEYS = ("input", "output")


def encode_record(record: dict[str, Any]) -> bytes:
    return encode_json(share_repeated_data(record))


def decode_record(encoded: bytes) -> dict[str, Any]:
    record = decode_json(encoded)
    if not isinstance(record, dict) or SHARED not in record:
        return record  # type: ignore[return-value]
    shared = record.pop(SHARED)
    for key in _TOP_DATA_KEYS:
        if key + REFERENCE in record:
            record[key] = shared[record.pop(key + REFERENCE)]
    if isinstance(record.get("position"), dict):
        _restore(record["position"], shared)
    return record


def share_repeated_data(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with every repeated data value written once: a new dict, with new dicts along
    the position tree where something was replaced (`record` itself is left as it is). The
    record itself when nothing repeats."""
    counts: dict[int, int] = {}
    for value in _data_values(record):
        counts[id(value)] = counts.get(id(value), 0) + 1
    repeated = {key for key, count in counts.items() if count > 1}
    if not repeated:
        return record
    sharing = _Sharing(repeated)
    out = sharing.replace(record, _TOP_DATA_KEYS)
    out["position"] = sharing.within(record.get("position"))
    out[SHARED] = sharing.shared
    out["format"] = RECORD_FORMAT  # a format 1 record being saved again is written as format 2
    return out


def _data_values(record: dict[str, Any]) -> list[Any]:
    """The record's data values worth sharing (non-empty containers, long strings)."""
    values = [record.get(key) for key in _TOP_DATA_KEYS]
    for node in position_nodes(record.get("position")):
        values += [node[key] for key in DATA_KEYS if key in node]
    return [v for v in values if isinstance(v, dict | list) and v or isinstance(v, str) and len(v) > 64]


class _Sharing:
    def __init__(self, repeated: set[int]) -> None:
        self.repeated = repeated
        self.slots: dict[int, int] = {}
        self.shared: list[Any] = []

    def replace(self, node: dict[str, Any], data_keys: Any) -> dict[str, Any]:
        """A copy of `node` whose repeated data values are references; structure not entered."""
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in data_keys and id(value) in self.repeated:
                slot = self.slots.get(id(value))
                if slot is None:
                    slot = self.slots[id(value)] = len(self.shared)
                    self.shared.append(value)
                out[key + REFERENCE] = slot
            else:
                out[key] = value
        return out

    def within(self, value: Any) -> Any:
        """A copy of a position tree (its structure only) with repeated data as references."""
        if isinstance(value, dict):
            out = self.replace(value, DATA_KEYS)
            for key, item in out.items():
                if key not in DATA_KEYS and isinstance(item, dict | list):
                    out[key] = self.within(item)
            return out
        if isinstance(value, list):
            return [self.within(item) for item in value]
        return value


def _restore(node: dict[str, Any], shared: list[Any]) -> None:
    """Put shared values back in place of references, in `node` and its position structure."""
    for key in [k for k in node if k.endswith(REFERENCE)]:
        node[key[: -len(REFERENCE)]] = shared[node.pop(key)]
    for key, value in node.items():
        if key not in DATA_KEYS and isinstance(value, dict | list):
            _restore_within(value, shared)


def _restore_within(value: Any, shared: list[Any]) -> None:
    if isinstance(value, dict):
        _restore(value, shared)
    elif isinstance(value, list):
        for item in value:
            _restore_within(item, shared)
