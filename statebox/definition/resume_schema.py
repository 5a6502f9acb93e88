"""A Task's ResumeSchema (statebox extension): checked with the definition, applied at resume.

A ResumeSchema comes with a posted definition, so it is request data (issue 13, 5b / 5c):

* references: only local ones (`"$ref": "#/$defs/x"`). A remote or file reference
  (`http://…`, `file:///…`, `other.json`) is a definition problem at its JSON pointer, and the
  validator is built on an empty `referencing.Registry`, which retrieves nothing, so no
  reference is ever fetched at resume either;
* regular expressions (`pattern`, `patternProperties`, and `additionalProperties` next to
  them) run on `regexes.BoundedPattern` under one deadline per resume (`MATCH_SECONDS`), not
  on `re`, which cannot be interrupted. jsonschema's `unevaluatedProperties` matches
  `patternProperties` with `re` internally, so the two may not be combined here;
* every pattern must compile, which is checked with the definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from .. import regexes
from ..errors import Problem
from ..types import JSON, child

MATCH_SECONDS = 1.0  # all regular expressions of one resume together
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})  # values, not schemas
_REFERENCES = ("$ref", "$dynamicRef")


# ------------------------------------------------------------------------- with the definition


def definition_problems(schema: JSON, at: str) -> Iterator[Problem]:
    """Non-local references, patterns that do not compile, and unevaluatedProperties next to
    patternProperties, each at its JSON pointer (`at` points at the ResumeSchema)."""
    uses_unevaluated = False
    pattern_properties_at: str | None = None
    stack: list[tuple[Any, str]] = [(schema, at)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, list):
            stack.extend((item, child(where, index)) for index, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for keyword in _REFERENCES:
            target = node.get(keyword)
            if isinstance(target, str) and not target.startswith("#"):
                yield Problem(
                    child(where, keyword),
                    f"only local references ('#/...') are allowed in a ResumeSchema, got {target!r}: "
                    "remote and file references are never fetched",
                )
        if isinstance(node.get("pattern"), str):
            yield from _compile_problem(node["pattern"], child(where, "pattern"))
        if isinstance(node.get("patternProperties"), dict):
            pattern_properties_at = pattern_properties_at or child(where, "patternProperties")
            for pattern in node["patternProperties"]:
                yield from _compile_problem(pattern, child(where, "patternProperties", pattern))
        uses_unevaluated = uses_unevaluated or "unevaluatedProperties" in node
        stack.extend((value, child(where, key)) for key, value in node.items() if key not in _DATA_KEYWORDS)
    if uses_unevaluated and pattern_properties_at is not None:
        yield Problem(
            pattern_properties_at,
            "patternProperties cannot be combined with unevaluatedProperties in a ResumeSchema "
            "(its regular expressions could not be bounded in time)",
        )


def _compile_problem(pattern: str, where: str) -> Iterator[Problem]:
    try:
        _pattern(pattern)
    except regexes.regex.error as exc:
        yield Problem(where, f"is not a valid regular expression ({exc})")


@cache
def _pattern(pattern: str) -> regexes.BoundedPattern:
    return regexes.BoundedPattern(pattern)


# ------------------------------------------------------------------------------- at resume


def resume_input_problems(schema: JSON, resume_input: JSON) -> list[Problem]:
    """What is wrong with a resume input, each at its JSON pointer; a schema that cannot be
    applied (an unresolvable local reference) is one problem at the root."""
    # Imported here, as jsonschema below (cold start): only a ResumeSchema needs them.
    from referencing.exceptions import Unresolvable

    validator = _validator_class()(schema, registry=_empty_registry())
    try:
        with regexes.deadline(MATCH_SECONDS):
            return [
                Problem("/" + "/".join(str(part) for part in error.absolute_path), error.message)
                for error in validator.iter_errors(resume_input)
            ]
    except regexes.RegexTimeout:
        return [Problem("", "the ResumeSchema's regular expressions took too long on this input")]
    except Unresolvable as exc:
        return [
            Problem("", f"the state's ResumeSchema cannot be applied: unresolvable reference {exc.ref!r}")
        ]
    except RecursionError:
        return [Problem("", "the state's ResumeSchema cannot be applied: it is nested too deeply")]
    except Exception as exc:  # noqa: BLE001 - a schema jsonschema cannot apply is the schema's problem
        return [Problem("", f"the state's ResumeSchema cannot be applied ({type(exc).__name__}: {exc})")]


@cache
def _empty_registry() -> Any:
    from referencing import Registry  # cold start: only a ResumeSchema needs it

    return Registry()  # no `retrieve`: a reference outside the schema is unresolvable


@cache
def _validator_class() -> Any:
    # Imported here (cold start): jsonschema is about 30 ms, and most machines have no ResumeSchema.
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    plain_additional = Draft202012Validator.VALIDATORS["additionalProperties"]

    def pattern(validator: Any, expected: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and _pattern(expected).search(instance) is None:
            yield ValidationError(f"{instance!r} does not match {expected!r}")

    def pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if not validator.is_type(instance, "object"):
            return
        for expected, subschema in patterns.items():
            for key, value in instance.items():
                if _pattern(expected).search(key) is not None:
                    yield from validator.descend(value, subschema, path=key, schema_path=expected)

    def additional_properties(validator: Any, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
        patterns = schema.get("patternProperties")
        if not patterns or not validator.is_type(instance, "object"):
            # No regular expression involved: jsonschema's own keyword.
            yield from plain_additional(validator, allowed, instance, schema)
            return
        known = schema.get("properties", {})
        extras = [
            key
            for key in instance
            if key not in known and not any(_pattern(p).search(key) is not None for p in patterns)
        ]
        if validator.is_type(allowed, "object"):
            for key in extras:
                yield from validator.descend(instance[key], allowed, path=key)
        elif allowed is False and extras:
            names = ", ".join(repr(key) for key in sorted(extras))
            listed = ", ".join(repr(p) for p in sorted(patterns))
            yield ValidationError(
                f"{names} {'does' if len(extras) == 1 else 'do'} not match any of the regexes: {listed}"
            )

    return validators.extend(
        Draft202012Validator,
        {
            "pattern": pattern,
            "patternProperties": pattern_properties,
            "additionalProperties": additional_properties,
        },
    )
