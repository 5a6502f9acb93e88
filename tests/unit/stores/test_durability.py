"""What the store says about a Redis's persistence settings (statebox/stores/durability.py)."""

from __future__ import annotations

from statebox.stores.durability import REQUIRED, persistence_warnings


def test_the_documented_settings_need_no_warning() -> None:
    assert persistence_warnings({"appendonly": "yes", "appendfsync": "always"}) == []


def test_each_weaker_setting_is_named() -> None:
    for config, named in (
        ({"appendonly": "no", "appendfsync": "always"}, "appendonly no"),
        ({"appendonly": "yes", "appendfsync": "everysec"}, "appendfsync everysec"),
        ({"appendonly": "yes", "appendfsync": "no"}, "appendfsync no"),
        ({}, "appendonly ?"),
    ):
        [warning] = persistence_warnings(config, "Redis node 10.0.0.5:6379")
        assert named in warning and REQUIRED in warning and warning.startswith("Redis node 10.0.0.5:6379")
