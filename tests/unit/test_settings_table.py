"""statebox/settings_table.py: every setting read the same way from the environment and from
the action's parameters; under --web true no request names one the operator did not declare."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from statebox import settings_table
from statebox.config import Settings
from statebox.errors import InputError
from statebox.invokers.routing import build_invoker
from statebox.ports import ResourceRef, TaskCall
from statebox.settings_table import TABLE, load, web_true_problems

# A text each setting's parser accepts, and the value it becomes.
SAMPLES: dict[str, tuple[Any, Any]] = {
    "actions_dir": ("/srv/actions", Path("/srv/actions")),
    "machines_dir": ("/srv/machines", Path("/srv/machines")),
    "allowed_actions": ("square, utils/*", ("square", "utils/*")),
    "stored_machines_only": ("true", True),
    "hide_continuations": ("yes", True),
    "production": ("production", True),
    "forwarded_hops": ("2", 2),
    "smtp_port": ("1025", 1025),
}


def sample(setting: settings_table.Setting) -> tuple[Any, Any]:
    if setting.field.startswith("max_"):
        return ("123", 123)
    return SAMPLES.get(setting.field) or (f"value-of-{setting.field}", f"value-of-{setting.field}")


def value_of(settings: Settings, setting: settings_table.Setting) -> Any:
    if setting.for_actions:
        return dict(settings.action_parameters).get(setting.parameter)
    return getattr(settings, setting.field)


@pytest.mark.parametrize("setting", TABLE, ids=[s.parameter for s in TABLE])
def test_every_setting_reads_from_its_variable_and_its_parameter(setting: settings_table.Setting) -> None:
    text, value = sample(setting)
    assert value_of(load({setting.env: text}), setting) == value
    assert value_of(load({}, {setting.parameter: text}), setting) == value
    # The environment is the operator's too and wins (a request can never set it).
    other = "7" if isinstance(value, int) and not isinstance(value, bool) else text
    assert value_of(load({setting.env: text}, {setting.parameter: other}), setting) == value
    assert setting.parameter.startswith("statebox_") and not setting.request_may_supply


@pytest.mark.parametrize("setting", TABLE, ids=[s.parameter for s in TABLE])
def test_under_web_true_an_undeclared_setting_is_refused(setting: settings_table.Setting) -> None:
    operator = {"statebox_redis_url": "redis://r", "statebox_parameters": "statebox_redis_url"}
    deployment, problems = web_true_problems({**operator, setting.parameter: sample(setting)[0]})
    assert deployment == []
    if setting.parameter == "statebox_redis_url":  # declared: the operator's
        assert problems == []
    else:
        assert [p.pointer for p in problems] == [f"/{setting.parameter}"]
    declared = {**operator, "statebox_parameters": f"statebox_redis_url,{setting.parameter}"}
    assert web_true_problems({**declared, setting.parameter: sample(setting)[0]}) == ([], [])


def test_web_true_without_a_declaration_is_a_deployment_problem() -> None:
    deployment, problems = web_true_problems({"statebox_redis_url": "redis://r", "statebox_tick": True})
    assert deployment and "statebox_parameters" in deployment[0] and problems == []
    _, problems = web_true_problems({"statebox_parameters": "statebox_secret", "statebox_typo": "x"})
    assert [p.pointer for p in problems] == ["/statebox_typo"]


def test_a_bad_value_names_its_setting() -> None:
    with pytest.raises(InputError, match="STATEBOX_MAX_TRANSITIONS"):
        load({"STATEBOX_MAX_TRANSITIONS": "many"})
    with pytest.raises(InputError, match="statebox_stored_machines_only"):
        load({}, {"statebox_stored_machines_only": "perhaps"})
    assert load({"STATEBOX_ALLOWED_ACTIONS": ""}).allowed_actions == ()  # empty allows nothing
    assert load({"STATEBOX_BASE_URL": ""}).base_url is None  # elsewhere empty is unset


def test_the_operators_action_parameters_win_over_the_tasks(tmp_path: Path) -> None:
    (tmp_path / "echo.py").write_text("def main(args):\n    return args\n", encoding="utf-8")
    settings = load({"STATEBOX_SMTP_HOST": "smtp.operator.example"})
    invoker = build_invoker(
        tmp_path,
        action_parameters=dict(settings.action_parameters),
        reserved=settings_table.ACTION_PARAMETERS,
    )
    payload = {"to": "a@example.com", "statebox_smtp_host": "evil.example", "statebox_mail_from": "x@evil"}
    call = TaskCall(state_name="S", execution_id="e")
    result = asyncio.run(invoker.invoke(ResourceRef.parse("module:echo"), payload, call))
    assert result == {"to": "a@example.com", "statebox_smtp_host": "smtp.operator.example"}
