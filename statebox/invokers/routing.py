"""Which invoker runs a Task: `module:` always in process; `openwhisk:` over OpenWhisk's REST
API when an API host is configured, else in process from the actions folder (local mode), so
one definition runs unchanged locally and deployed.

aiohttp is imported only when the first `openwhisk:` Task runs (cold starts stay small).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..ports import ActionInvoker, ResourceRef, TaskCall
from ..types import JSON
from .local import LocalActionInvoker


class RoutingInvoker:
    """Sends each resource to the invoker for its kind."""

    def __init__(
        self,
        local: ActionInvoker,
        openwhisk: ActionInvoker | None = None,
        *,
        api_host: str | None = None,
        api_key: str | None = None,
        namespace: str = "_",
        action_parameters: Mapping[str, JSON] | None = None,
        reserved: frozenset[str] = frozenset(),
    ) -> None:
        self.local = local
        self._openwhisk = openwhisk
        self._config = (api_host, api_key, namespace) if api_host else None
        # The operator's parameters for in-process actions, laid over the Task's arguments; the
        # `reserved` names (every such parameter, set or not) never come from a definition.
        self.action_parameters = dict(action_parameters or {})
        self.reserved = reserved | frozenset(self.action_parameters)

    @property
    def remote(self) -> bool:
        """True when `openwhisk:` resources go to OpenWhisk rather than the actions folder."""
        return self._openwhisk is not None or self._config is not None

    def openwhisk(self) -> ActionInvoker | None:
        if self._openwhisk is None and self._config is not None:
            from .openwhisk import OpenWhiskInvoker  # here (cold start): aiohttp's client, on first use

            api_host, api_key, namespace = self._config
            self._openwhisk = OpenWhiskInvoker(api_host, api_key, namespace)  # type: ignore[arg-type]
        return self._openwhisk

    async def invoke(self, resource: ResourceRef, payload: JSON, call: TaskCall) -> JSON:
        if resource.kind == "openwhisk":
            remote = self.openwhisk()
            if remote is not None:
                return await remote.invoke(resource, payload, call)
        if self.reserved and isinstance(payload, dict):
            payload = {k: v for k, v in payload.items() if k not in self.reserved}
            payload.update(self.action_parameters)
        return await self.local.invoke(resource, payload, call)

    def __repr__(self) -> str:  # never shows the key
        host = self._config[0] if self._config else None
        return f"RoutingInvoker(local={self.local!r}, openwhisk_api_host={host!r})"


def build_invoker(
    actions_dir: str | Path,
    api_host: str | None = None,
    api_key: str | None = None,
    namespace: str = "_",
    *,
    action_parameters: Mapping[str, JSON] | None = None,
    reserved: frozenset[str] = frozenset(),
) -> RoutingInvoker:
    """The invoker an adapter (web action, CLI, dev server) uses: local actions (given the
    operator's `action_parameters`), plus OpenWhisk when `api_host` is set."""
    return RoutingInvoker(
        LocalActionInvoker(actions_dir),
        api_host=api_host or None,
        api_key=api_key,
        namespace=namespace,
        action_parameters=action_parameters,
        reserved=reserved,
    )
