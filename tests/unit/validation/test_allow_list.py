"""`validation.access`: the action allow-list's globs, matched against Task resources. The
checks through the engine and the HTTP handler are in tests/unit/validation/test_access.py; the size and
nesting limits in tests/unit/test_hard_limits.py."""

from __future__ import annotations

from statebox.validation import access


def test_globs() -> None:
    allowed = ("square", "utils/*", "/guest/pub/*", "module:increment", "openwhisk:billing/**")
    for resource in (
        "openwhisk:square",
        "openwhisk:square.waitForTaskToken",
        "openwhisk:utils/echo",
        "openwhisk:/guest/pub/a",
        "module:increment",
        "module:suspend",  # runs no code: always allowed
        "module:suspend.waitForTaskToken",
        "openwhisk:billing/a/b",
    ):
        assert access.resource_allowed(resource, allowed), resource
    for resource in (
        "openwhisk:squares",
        "openwhisk:/guest/square",  # another spelling is another name: refused, never widened
        "openwhisk:utils/a/b",  # `*` stops at `/`
        "openwhisk:/other/utils/echo",
        "openwhisk:/guest/pub/a/b",
        "module:square",  # openwhisk globs do not cover module: files
        "module:increment2",
        "openwhisk:module:increment",
        "arn:aws:states:::lambda:invoke",
        "openwhisk:",
    ):
        assert not access.resource_allowed(resource, allowed), resource
    assert not access.resource_allowed("openwhisk:square", ())
    assert not access.resource_allowed("openwhisk:module:increment", ("*", "**"))
    assert access.resource_allowed("module:suspend", ())


def test_task_resources_are_found_in_nested_machines_with_their_pointers() -> None:
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "module:a", "End": True}}}
                ],
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "U",
                    "States": {"U": {"Type": "Task", "Resource": "b", "End": True}},
                },
                "End": True,
            },
        },
    }
    assert sorted(access.task_resources(definition)) == [
        ("/States/M/ItemProcessor/States/U/Resource", "b"),
        ("/States/P/Branches/0/States/T/Resource", "module:a"),
    ]
