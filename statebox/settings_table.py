"""Every operator setting, declared once: its `Settings` field, its environment variable, its
OpenWhisk action parameter, its parser, and whether a web request may ever supply it.

The CLI, the dev server and the web action all build their `Settings` with `load` from this
table, so a setting cannot be read one way in one adapter and another way in the next.

Where a value comes from:
- `statebox serve`, the CLI: the environment variable.
- the web action: the environment variable when the action's process has one (the stock
  OpenWhisk runtimes give it none of the container's, contract §5.3), else the `statebox_*`
  parameter.

A web request never supplies a setting (`request_may_supply` is False for every row, and names
that are in no row but start with `statebox_` are refused too). Under `--web true` OpenWhisk
merges the request's query and body fields into the same arguments as the operator's
parameters, and a request may add any name the operator did not bind (contract §1.3 / §1.5),
so the operator lists the parameters they bind in `statebox_parameters`
(`DECLARED_PARAMETERS`); `web_true_problems` refuses any other `statebox_*` name.

Settings marked `for_actions` are not the engine's: they are handed to `module:` actions as
arguments (the mail action's SMTP host, for one), laid over what the Task passes, so a
definition cannot choose them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .config import Settings, parse_allowed_actions, parse_flag, parse_int, parse_mode
from .errors import InputError, Problem

PREFIX = "statebox_"
DECLARED_PARAMETERS = "statebox_parameters"  # --web true: the statebox_* parameters the operator binds


def _text(value: object, key: str) -> str:
    if isinstance(value, (dict, list)):
        raise InputError([Problem("", f"{key} must be a string, got {value!r}")])
    return str(value)


def _path(value: object, key: str) -> Path:
    return Path(_text(value, key))


def _int(value: object, key: str) -> int:
    # wsk sends `-p statebox_smtp_port 587` as the number 587; the environment has text.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return parse_int(_text(value, key), key)


def _globs(value: object, key: str) -> tuple[str, ...]:
    return parse_allowed_actions(value)


def _mode(value: object, key: str) -> bool:
    return parse_mode(value)


@dataclass(frozen=True, slots=True)
class Setting:
    field: str  # the Settings field (for_actions: the key in Settings.action_parameters)
    env: str
    parameter: str
    parse: Callable[[object, str], Any]
    meaning: str
    for_actions: bool = False  # an argument of module: actions, not an engine setting
    empty_is_unset: bool = True  # False: "" is a value (an empty allow-list allows nothing)
    request_may_supply: bool = False  # never, for every setting: the prefix is the operator's


def _row(field: str, env: str, parse: Callable[[object, str], Any], meaning: str, **kw: Any) -> Setting:
    parameter = kw.pop("parameter", PREFIX + field)
    return Setting(field, env, parameter, parse, meaning, **kw)


TABLE: tuple[Setting, ...] = (
    _row("redis_url", "REDIS_URL", _text, "the Redis that holds executions"),
    _row("secret", "STATEBOX_SECRET", _text, "HMAC key of continuation ids"),
    _row("key_prefix", "STATEBOX_KEY_PREFIX", _text, "prefix of every Redis key"),
    _row("base_url", "STATEBOX_BASE_URL", _text, "public URL resume links start with"),
    _row("actions_dir", "STATEBOX_ACTIONS_DIR", _path, "folder of module: actions"),
    _row("machines_dir", "STATEBOX_MACHINES_DIR", _path, "folder of stored machines"),
    _row("ow_api_host", "STATEBOX_OW_API_HOST", _text, "where openwhisk: Tasks are invoked"),
    _row("ow_api_key", "STATEBOX_OW_API_KEY", _text, "the key openwhisk: Tasks are invoked with"),
    _row(
        "allowed_actions",
        "STATEBOX_ALLOWED_ACTIONS",
        _globs,
        "what posted definitions may call",
        empty_is_unset=False,
    ),
    _row("stored_machines_only", "STATEBOX_STORED_MACHINES_ONLY", parse_flag, "refuse posted definitions"),
    _row("hide_continuations", "STATEBOX_HIDE_CONTINUATIONS", parse_flag, "continuations only by workflow"),
    _row("production", "STATEBOX_MODE", _mode, "production: refuse weak settings", parameter="statebox_mode"),
    _row("forwarded_hops", "STATEBOX_FORWARDED_HOPS", _int, "proxies that append to X-Forwarded-For"),
    _row("max_payload_bytes", "STATEBOX_MAX_PAYLOAD_BYTES", _int, "largest input, result, output"),
    _row("max_payload_depth", "STATEBOX_MAX_PAYLOAD_DEPTH", _int, "deepest execution / resume input"),
    _row("max_transitions", "STATEBOX_MAX_TRANSITIONS", _int, "state transitions of one execution"),
    _row("max_map_items", "STATEBOX_MAX_MAP_ITEMS", _int, "items of one Map state"),
    _row("max_definition_bytes", "STATEBOX_MAX_DEFINITION_BYTES", _int, "largest definition"),
    _row("max_definition_depth", "STATEBOX_MAX_DEFINITION_DEPTH", _int, "deepest definition"),
    _row("smtp_host", "STATEBOX_SMTP_HOST", _text, "the mail action's SMTP server", for_actions=True),
    _row("smtp_port", "STATEBOX_SMTP_PORT", _int, "its port (default 25)", for_actions=True),
    _row("mail_from", "STATEBOX_MAIL_FROM", _text, "the mails' From address", for_actions=True),
    _row(
        "mail_allowed_recipients",
        "STATEBOX_MAIL_ALLOWED_RECIPIENTS",
        _text,
        "who may be mailed: addresses and @domains, comma-separated",
        for_actions=True,
    ),
)
BY_PARAMETER: dict[str, Setting] = {s.parameter: s for s in TABLE}
ACTION_PARAMETERS = frozenset(s.parameter for s in TABLE if s.for_actions)


def load(
    environ: Mapping[str, str],
    parameters: Mapping[str, Any] | None = None,
    *,
    base: Settings | None = None,
) -> Settings:
    """Settings from the environment, then the parameters (the environment wins); an empty
    value counts as unset. A value the parser refuses raises InputError naming the setting."""
    values: dict[str, Any] = {}
    actions: dict[str, Any] = {}
    for setting in TABLE:
        unset = (None, "") if setting.empty_is_unset else (None,)
        raw: Any = environ.get(setting.env)
        key = setting.env
        if raw in unset:
            raw, key = (parameters or {}).get(setting.parameter), setting.parameter
        if raw in unset:
            continue
        value = setting.parse(raw, key)
        if setting.for_actions:
            actions[setting.parameter] = value
        else:
            values[setting.field] = value
    if actions:
        values["action_parameters"] = tuple(sorted(actions.items()))
    return replace(base or Settings(), **values)


def web_true_problems(args: Mapping[str, Any]) -> tuple[list[str], list[Problem]]:
    """For a `--web true` request: (what is wrong with the deployment, what is wrong with the
    request). Every `statebox_*` argument must be one the operator declared in
    `statebox_parameters`; any other one came from the request, which may set none."""
    declared_raw = args.get(DECLARED_PARAMETERS)
    if not declared_raw:
        return [
            "under --web true a request can add any argument you did not bind, so list the "
            f"statebox_* parameters you bind in {DECLARED_PARAMETERS} (e.g. -p {DECLARED_PARAMETERS} "
            "statebox_redis_url,statebox_secret); statebox reads no other"
        ], []
    declared = set(parse_allowed_actions(declared_raw)) | {DECLARED_PARAMETERS}
    problems = []
    for name in sorted(args):
        if not name.startswith(PREFIX) or name in declared:
            continue
        setting = BY_PARAMETER.get(name)
        if setting is not None and setting.request_may_supply:
            continue
        what = f"an operator setting ({setting.meaning})" if setting else "reserved for the operator"
        problems.append(Problem(f"/{name}", f"{name} is {what}: a request cannot set it"))
    return [], problems
