"""The pure core: runs a StateGraph from its start to an end, one state at a time.

It talks to the outside only through the ports in `Runtime` (invoker, clock, entropy) and never
touches a store or HTTP.

    runtime.py    Runtime (what one execution shares), Limits, iso_timestamp
    frame.py      Frame: one running graph, its `$$` and its variables
    graph.py      run_graph, gather_bounded
    points.py     PendingPoint, PointKind, PointIssuer (the engine's port: tokens, resume URLs)
    times.py      iso_timestamp, the context object's time format
"""

from .frame import MAX_VARIABLE_BYTES, MAX_VARIABLES_BYTES, Frame
from .graph import gather_bounded, run_graph
from .runtime import MAX_SECONDS, ExecutionTimedOut, Limits, Runtime
from .times import iso_timestamp

__all__ = [
    "MAX_SECONDS",
    "MAX_VARIABLES_BYTES",
    "MAX_VARIABLE_BYTES",
    "ExecutionTimedOut",
    "Frame",
    "Limits",
    "Runtime",
    "gather_bounded",
    "iso_timestamp",
    "run_graph",
]
