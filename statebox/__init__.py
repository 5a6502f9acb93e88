"""statebox: an Amazon States Language engine for Apache OpenWhisk, built for workflows that
wait for people.

    >>> import statebox
    >>> result = statebox.run({"StartAt": "Hi", "States": {"Hi": {"Type": "Pass", "End": True}}}, {"a": 1})
    >>> result.status, result.output
    ('SUCCEEDED', {'a': 1})
"""

__version__ = "0.1.0"

from .definition.model import Machine
from .definition.parse import parse
from .errors import DefinitionError, Problem, StatesError
from .execution.engine import Engine
from .execution.library import resume, resume_async, run, run_async
from .execution.views import ExecutionResult

__all__ = [
    "DefinitionError",
    "Engine",
    "ExecutionResult",
    "Machine",
    "Problem",
    "StatesError",
    "parse",
    "resume",
    "resume_async",
    "run",
    "run_async",
]
