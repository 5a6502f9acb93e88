"""The I/O pipeline around a state's work, written once per query language.

JSONPath (`jsonpath.JsonPathFlow`): InputPath → Parameters → (work) → ResultSelector →
ResultPath → OutputPath. JSONata (`jsonata.JsonataFlow`, imported only by JSONata machines):
Arguments → (work) → Output. Both commit `Assign` last. `definition/parse.py` picks one per state; states
call the same methods on either (the `flow.DataFlow` protocol) and never ask which they hold:

    effective_input(raw, scope)        the input the state works on (Parameters / Arguments)
    select_input(raw, scope)           InputPath only (JSONata: the raw input)
    output(raw, result, scope)         the state's output from its result, variables committed
    pass_through(raw, data, scope)     the same for a state without a result (Choice, Wait, Succeed)
    recover(raw, error_output, scope)  a Catch's output, variables committed
"""

from .jsonpath import JsonPathFlow

__all__ = ["JsonPathFlow"]
