"""The I/O pipeline around a state's work, written once per query language.

JSONPath: InputPath → Parameters → (work) → ResultSelector → ResultPath → OutputPath.
States call `effective_input` before their work and `output` after it; none of them
implements path handling itself.
"""

from .jsonpath import JsonPathFlow

__all__ = ["JsonPathFlow"]
