"""In-process actions: `module:NAME` (and `openwhisk:NAME` in local mode) runs `main(args)` of
`NAME.py` in the configured actions folder. Only plain names found in that folder can be run:
no dotted imports, no `..`, no absolute paths, no symbolic links that lead out of the folder.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import re
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from ..asl_errors import ErrorName
from ..dataflow.templates import copy_json
from ..errors import StatesError
from ..ports import ResourceRef, TaskCall
from ..types import JSON
from . import application_error, lambda_style_cause

_ACTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


class LocalActionInvoker:
    """Runs actions from one folder, loading each file once."""

    def __init__(self, actions_dir: str | Path) -> None:
        self.actions_dir = Path(actions_dir).resolve()
        self._modules: dict[str, ModuleType] = {}
        self._by_resource: dict[str, ModuleType] = {}
        self._lock = threading.Lock()

    def action_file(self, resource: ResourceRef) -> Path:
        """The file a resource names, or States.TaskFailed when it names nothing allowed."""
        name = resource.name
        if resource.kind == "openwhisk":
            # Local mode: `pkg/action` and `/ns/pkg/action` run `action.py`.
            name = name.rstrip("/").rsplit("/", 1)[-1]
        if resource.kind not in ("module", "openwhisk") or not _ACTION_NAME.match(name):
            raise StatesError(
                ErrorName.TASK_FAILED,
                f"The resource '{resource.text}' cannot be run here: use module:NAME with NAME.py "
                "in the actions folder.",
            )
        path = self.actions_dir / f"{name}.py"
        if not path.is_file():
            raise StatesError(
                ErrorName.TASK_FAILED,
                f"The resource '{resource.text}' names no action: {name}.py is not in the actions folder.",
            )
        resolved = path.resolve()
        if not resolved.is_relative_to(self.actions_dir):
            # A symbolic link out of the folder: the folder is the boundary, not its names.
            raise StatesError(
                ErrorName.TASK_FAILED,
                f"The resource '{resource.text}' names no action: {name}.py leads outside "
                "the actions folder.",
            )
        return resolved

    def _load(self, resource: ResourceRef) -> ModuleType:
        # Once loaded, a resource's module is found by its text: no file system checks per call.
        module = self._by_resource.get(resource.text)
        if module is not None:
            return module
        module = self._load_file(resource)
        self._by_resource[resource.text] = module
        return module

    def _load_file(self, resource: ResourceRef) -> ModuleType:
        path = self.action_file(resource)
        key = str(path)
        module = self._modules.get(key)
        if module is not None:
            return module
        with self._lock:
            module = self._modules.get(key)
            if module is None:
                spec = importlib.util.spec_from_file_location(f"statebox_action_{path.stem}", path)
                if spec is None or spec.loader is None:
                    raise StatesError(ErrorName.TASK_FAILED, f"Cannot load the action {path.name}.")
                module = importlib.util.module_from_spec(spec)
                try:
                    spec.loader.exec_module(module)
                except Exception as exc:  # noqa: BLE001 - the action's own import failed
                    raise StatesError(
                        ErrorName.TASK_FAILED,
                        f"The action {path.name} failed to load: {type(exc).__name__}: "
                        + str(exc).replace(f"{self.actions_dir}{os.sep}", ""),  # no server paths
                    ) from None
                if not callable(getattr(module, "main", None)):
                    raise StatesError(
                        ErrorName.TASK_FAILED, f"The action {path.name} has no main(args) function."
                    )
                self._modules[key] = module
        return module

    async def invoke(self, resource: ResourceRef, payload: JSON, call: TaskCall) -> JSON:
        main: Any = self._load(resource).main
        # Actions may mutate their argument; the engine's data is shared and must not change.
        try:
            args = copy_json(payload)
        except RecursionError:
            raise StatesError(ErrorName.TASK_FAILED, "The task input is nested too deeply.") from None
        try:
            if inspect.iscoroutinefunction(main):
                result = await main(args)
            else:
                result = await asyncio.to_thread(main, args)
        except Exception as exc:  # noqa: BLE001 - an action's exception is its task's failure
            raise StatesError(
                type(exc).__name__, lambda_style_cause(exc, call.execution_id, self.actions_dir)
            ) from None
        if isinstance(result, dict) and "error" in result:
            raise application_error(result["error"])
        return result
