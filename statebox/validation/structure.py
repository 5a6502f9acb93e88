"""Structure: the definition against `schema/asl.schema.json` (Draft 2020-12), and a Task's
ResumeSchema against the meta-schema.

The schema's compiled form (`schema/generated_check.py`, made by fastjsonschema) says whether
the definition is valid; only when it is not does jsonschema run, and each of its errors
becomes a `Problem` worded here, keyed on the failing keyword, rather than jsonschema's words.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from ..messages import TYPE_WORDS, missing_field, one_of, show, unknown_field
from ..types import JSON, child, json_type, pointer
from .machines import JSONATA_PATTERN, Machine

if TYPE_CHECKING:  # jsonschema is imported when a structure check runs, not at import time
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_FILE = FilePath(__file__).with_name("schema") / "asl.schema.json"


def passes_compiled_check(doc: JSON) -> bool:
    """The schema's compiled yes/no check (schema/generated_check.py): a valid definition
    passes without importing jsonschema; any other answer sends it through jsonschema, which
    finds and words the problems. The check is never more lenient than jsonschema (a test holds
    it to that), so a pass here is as good as an empty jsonschema report."""
    # Imported on the first check, not with the package (cold start): the compiled check is the
    # largest module statebox has (about 200 KB), which a process that checks no definition
    # (`statebox --help`, a request answered from a cached machine) need not load.
    from fastjsonschema import JsonSchemaException

    from .schema import generated_check

    try:
        generated_check.validate(doc)
    except (JsonSchemaException, RecursionError):
        return False
    return True


@cache
def _validators() -> dict[str, Draft202012Validator]:
    """One validator per kind of machine, each checking a single level of nesting.

    The schema file describes the whole recursive document. Validating it in one go would
    recurse (about twenty Python frames per nested machine) into a RecursionError long before
    MAX_MACHINE_DEPTH, so here the nested machines are cut out of it (a branch or processor is
    just "an object" to its parent) and each machine is validated on its own, under its pointer.
    """
    from jsonschema import Draft202012Validator  # cold start: only an invalid definition pays

    # Our own schema is checked against the meta-schema by a unit test, not at every cold start.
    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    defs = dict(schema["$defs"])
    defs["branchMachine"], defs["branch"] = defs["branch"], {"type": "object"}
    defs["processorMachine"], defs["processor"] = defs["processor"], {"type": "object"}
    root = {**schema, "$defs": defs}
    dialect = schema["$schema"]
    return {
        "root": Draft202012Validator(root),
        "branch": Draft202012Validator({"$schema": dialect, "$defs": defs, "$ref": "#/$defs/branchMachine"}),
        "processor": Draft202012Validator(
            {"$schema": dialect, "$defs": defs, "$ref": "#/$defs/processorMachine"}
        ),
    }


@cache
def _meta_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # cold start: only a ResumeSchema pays

    return Draft202012Validator(Draft202012Validator.META_SCHEMA)


def schema_problems(machine: Machine) -> Iterator[Problem]:
    for error in _validators()[machine.kind].iter_errors(machine.raw):
        yield from _problems_from_error(error, machine.at)


def _problems_from_error(error: ValidationError, prefix: str) -> Iterator[Problem]:
    """Our own words for one jsonschema error (some errors name several fields)."""
    at = prefix + pointer(*error.absolute_path)
    keyword = error.validator
    value: Any = error.validator_value
    instance = error.instance
    if keyword in ("anyOf", "oneOf") and error.context:
        from jsonschema.exceptions import best_match  # loaded by now: no cost here

        # Like jsonschema's best_match: the sub-error that went deepest says the most.
        yield from _problems_from_error(best_match(error.context), prefix)
        return
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for key in instance:
            if key not in known:
                yield Problem(child(at, key), unknown_field(key, known))
        return
    if keyword == "required" and isinstance(instance, dict):
        for name in value:
            if name not in instance and error.message.startswith(repr(name)):
                yield Problem(at, missing_field(name))
        return
    yield Problem(at, _keyword_message(keyword, value, instance, error))


_BOUNDS = {
    "minimum": "at least",
    "maximum": "at most",
    "exclusiveMinimum": "greater than",
    "exclusiveMaximum": "less than",
}


def _keyword_message(keyword: str, value: Any, instance: JSON, error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    got = json_type(instance)
    if keyword == "type":
        # "must be an integer, got number" would read as a contradiction: show the value then.
        wanted = [value] if isinstance(value, str) else list(value)
        if got == "number" and "integer" in wanted:
            got = show(instance)
        return f"must be {_expected(value, schema)}, got {got}"
    if keyword == "enum":
        return f"must be one of {one_of(show(v) for v in value)}, got {show(instance)}"
    if keyword == "const":
        return f"must be {show(value)}, got {show(instance)}"
    if keyword in _BOUNDS:
        return f"must be {_BOUNDS[keyword]} {value}, got {show(instance)}"
    if keyword in ("minItems", "minProperties", "minLength"):
        return "must not be empty" if value == 1 else f"must have at least {value} entries"
    if keyword == "pattern":
        return f"must be {_expected(schema.get('type', 'string'), schema)}, got {show(instance)}"
    # Keywords our schema does not use (ResumeSchema meta-validation may): jsonschema's words.
    return str(error.message)


def _expected(types: Any, schema: dict[str, Any]) -> str:
    names = [types] if isinstance(types, str) else list(types)
    jsonata = schema.get("pattern") == JSONATA_PATTERN
    words = []
    for name in names:
        if name == "string" and jsonata:
            words.append("a JSONata expression '{% ... %}'")
        else:
            words.append(TYPE_WORDS.get(name, str(name)))
    return one_of(words)


def check_resume_schema(state: dict[str, Any], at: str, language: str) -> Iterator[Problem]:
    """statebox's Task extension: ResumeSchema must itself be a valid Draft 2020-12 schema."""
    schema = state.get("ResumeSchema")
    if state.get("Type") != "Task" or not isinstance(schema, dict):
        return
    schema_at = child(at, "ResumeSchema")
    try:
        problems = [
            problem
            for error in _meta_validator().iter_errors(schema)
            for problem in _problems_from_error(error, schema_at)
        ]
    except RecursionError:
        problems = [Problem(schema_at, "is nested too deeply to check")]
    except Exception as exc:  # noqa: BLE001 - e.g. an unresolvable $ref inside the meta-schema walk
        problems = [Problem(schema_at, f"is not a usable JSON Schema ({exc})")]
    yield from problems
    # Imported here for cold start: resume_schema loads the `regex` package, which only a
    # definition with a ResumeSchema needs.
    from ..definition.resume_schema import definition_problems  # local references only, patterns compile

    yield from definition_problems(schema, schema_at)
