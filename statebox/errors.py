"""Every exception statebox raises on purpose.

    StateboxError                     base of everything we raise on purpose
    ├── DefinitionError               invalid ASL; .problems: tuple[Problem, ...]
    ├── InputError                    malformed execution input; .problems likewise
    ├── ExpressionSyntaxError         a path / intrinsic / rule that does not parse (becomes a Problem)
    ├── ServiceError                  the request cannot be served as asked (HTTP layer maps these)
    │   ├── NotFound                  (404) one class per thing that can be missing:
    │   │   ├── ContinuationNotFound  unknown, forged or altered continuation id
    │   │   ├── ExecutionNotFound     unknown execution id
    │   │   └── MachineNotFound       no stored machine of that name
    │   ├── ContinuationAlreadyUsed
    │   ├── ContinuationExpired
    │   ├── PayloadTooLarge
    │   ├── Forbidden                 this deployment does not allow the request (e.g. posted definitions)
    │   │   └── CrossSiteRequest      a browser POST made by another site's page
    │   └── StoreUnavailable
    └── StatesError                   an ASL run-time error: .error (name), .cause (text)

The exceptions know nothing about HTTP; the status-code table lives in the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a definition or input, located by a JSON pointer."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}" if self.pointer else self.message


class StateboxError(Exception):
    """Base of every exception statebox raises on purpose."""


class DefinitionError(StateboxError):
    """The definition is not valid ASL. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid definition")


class InputError(StateboxError):
    """The execution input (or a resume input) is malformed."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid input")


class ExpressionSyntaxError(StateboxError):
    """A JSONPath, reference path, intrinsic call or similar expression does not parse."""


class ServiceError(StateboxError):
    """The request cannot be served as asked."""


class NotFound(ServiceError):
    """Something the request names does not exist; the subclass says what."""


class ContinuationNotFound(NotFound):
    """Unknown or forged continuation id."""


class ExecutionNotFound(NotFound):
    """Unknown execution id."""


class MachineNotFound(NotFound):
    """No stored machine (state_machines/NAME.json) of that name."""


class ContinuationAlreadyUsed(ServiceError):
    """The continuation was claimed by an earlier resume."""

    def __init__(self, message: str, execution_id: str | None = None) -> None:
        super().__init__(message)
        self.execution_id = execution_id


class ContinuationExpired(ServiceError):
    """The continuation is past its expiry."""


class PayloadTooLarge(ServiceError):
    """A payload is over the configured limit."""


class Forbidden(ServiceError):
    """The deployment's settings do not allow this request (e.g. posting a definition when
    only stored machines may run)."""


class CrossSiteRequest(Forbidden):
    """A browser sent this POST for another site's page (a hidden form, a no-cors fetch)."""


class StoreUnavailable(ServiceError):
    """The store cannot be reached; nothing was written."""


class StatesError(StateboxError):
    """An ASL run-time error. `error` is the name matched by Retry / Catch; `cause` is text."""

    def __init__(self, error: str | None, cause: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else str(error))
        # Plain str, never the ErrorName enum: the name is data that ends up in outputs.
        self.error = None if error is None else str(error)
        self.cause = None if cause is None else str(cause)

    def as_error_output(self) -> dict[str, str]:
        """The `{"Error", "Cause"}` object Catch hands to its ResultPath: both keys always, an
        absent one as "" (AWS binds an empty string, so `$.Cause` after a Catch resolves)."""
        return {"Error": self.error or "", "Cause": self.cause or ""}
