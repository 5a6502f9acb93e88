"""config.Settings: read from the environment through the settings table, and refused at
start-up when it cannot serve (Redis without a secret; production without a secret, a long
enough secret or a Redis)."""

from __future__ import annotations

import pytest

from statebox.config import Settings, parse_allowed_actions, parse_flag, parse_int, parse_mode
from statebox.errors import InputError

STRONG = "s" * 32


@pytest.mark.parametrize(
    ("settings", "needs_store", "expected"),
    [
        (Settings(), True, []),
        (Settings(redis_url="redis://r", secret=STRONG), True, []),
        (Settings(redis_url="redis://r"), True, ["STATEBOX_SECRET is not"]),
        (Settings(production=True), True, ["requires STATEBOX_SECRET", "requires REDIS_URL"]),
        (Settings(production=True, secret="short"), False, ["at least 16 characters"]),
        (Settings(production=True, secret=STRONG), False, []),
        (Settings(production=True, secret=STRONG), True, ["requires REDIS_URL"]),
        (Settings(production=True, secret=STRONG, redis_url="redis://r"), True, []),
    ],
)
def test_startup_problems_name_what_is_missing(
    settings: Settings, needs_store: bool, expected: list[str]
) -> None:
    problems = settings.startup_problems(needs_store=needs_store)
    assert len(problems) == len(expected), problems
    for problem, words in zip(problems, expected, strict=True):
        assert words in problem


def test_from_env_reads_the_table_and_overrides_win() -> None:
    env = {"REDIS_URL": "redis://r:6379", "STATEBOX_SECRET": STRONG, "STATEBOX_MAX_TRANSITIONS": "7"}
    settings = Settings.from_env(env, max_transitions=9, secret=None)
    assert (settings.redis_url, settings.secret, settings.max_transitions) == ("redis://r:6379", STRONG, 9)
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("parse", "value", "words"),
    [
        (lambda v: parse_int(v, "STATEBOX_MAX_TRANSITIONS"), "many", "must be an integer, got 'many'"),
        (lambda v: parse_int(v, "STATEBOX_MAX_TRANSITIONS"), "-1", "must not be negative"),
        (lambda v: parse_flag(v, "STATEBOX_HIDE_CONTINUATIONS"), "sometimes", "true or false"),
        (parse_mode, "staging", "production or development"),
    ],
)
def test_a_bad_value_is_an_input_error_naming_the_setting_and_the_value(
    parse: object, value: str, words: str
) -> None:
    with pytest.raises(InputError) as raised:
        parse(value)  # type: ignore[operator]
    assert words in str(raised.value)


def test_flags_modes_and_allow_lists_read_as_operators_write_them() -> None:
    assert [parse_flag(v, "X") for v in ("1", "true", "Yes", " on ", True)] == [True] * 5
    assert [parse_flag(v, "X") for v in ("0", "false", "no", "off", "", False)] == [False] * 6
    assert (parse_mode("production"), parse_mode("prod"), parse_mode("development"), parse_mode("")) == (
        True,
        True,
        False,
        False,
    )
    assert parse_allowed_actions(" square, utils/* ,,module:increment") == (
        "square",
        "utils/*",
        "module:increment",
    )
    assert parse_allowed_actions(["a", " b "]) == ("a", "b")
    assert parse_allowed_actions("") == ()
