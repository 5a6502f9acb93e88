"""Parse an intrinsic call string, such as `States.Format('Hi {}', $.name)`, into a syntax tree.

The grammar (AWS's, written down):

    call     := NAME ws* "(" ws* [ arg ( ws* "," ws* arg )* ] ws* ")"
    NAME     := "States." IDENT
    arg      := string | number | "true" | "false" | "null" | path | call
    string   := "'" ( char | "\\'" | "\\{" | "\\}" | "\\\\" )* "'"
    number   := "-"? digits ( "." digits )? ( ("e"|"E") ("+"|"-")? digits )?
    path     := "$" ...   a JSONPath, context path ($$) or variable path ($name), compiled once

Only the four escapes above exist: AWS rejects any other backslash in an intrinsic, so we do
too (at load time, with the position). Parsing knows nothing of which functions exist; the
package `__init__` checks names and argument counts against its registry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from statebox.dataflow.paths import Path
from statebox.errors import ExpressionSyntaxError
from statebox.types import JSON

# AWS: "You can nest up to 10 intrinsic functions within a field".
MAX_NESTING = 10

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_KEYWORDS: dict[str, JSON] = {"true": True, "false": False, "null": None}
_ESCAPABLE = "'{}\\"


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant argument: a number, true, false or null."""

    value: JSON
    position: int


@dataclass(frozen=True, slots=True)
class StringLiteral:
    """A quoted string. `chunks` is the text split at its unescaped `{}` pairs, so that
    States.Format can tell a placeholder from an escaped `\\{\\}` without parsing again."""

    value: str
    chunks: tuple[str, ...]
    position: int


@dataclass(frozen=True, slots=True)
class PathArgument:
    """A `$...` argument, compiled once."""

    path: Path
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    """`States.Name(args...)`."""

    name: str
    arguments: tuple[Argument, ...]
    position: int


Argument = Literal | StringLiteral | PathArgument | Call


def parse(text: str) -> Call:
    """Parse a whole intrinsic call; anything after the closing parenthesis is an error."""
    parser = _Parser(text)
    parser.skip_spaces()
    call = parser.call(depth=1)
    parser.skip_spaces()
    if parser.pos != len(text):
        raise parser.error(f"unexpected {parser.show_here()} after the closing ')'")
    return call


class _Parser:
    __slots__ = ("text", "pos")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers ---------------------------------------------------------------------------

    def error(self, message: str, at: int | None = None) -> ExpressionSyntaxError:
        column = (self.pos if at is None else at) + 1
        return ExpressionSyntaxError(
            f"invalid intrinsic function call {self.text!r}: {message} (at column {column})"
        )

    def show_here(self) -> str:
        if self.pos >= len(self.text):
            return "end of text"
        return repr(self.text[self.pos : self.pos + 12])

    def skip_spaces(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self.pos = pos

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    # -- grammar ---------------------------------------------------------------------------

    def call(self, depth: int) -> Call:
        start = self.pos
        m = _NAME.match(self.text, self.pos)
        if not m:
            raise self.error(f"expected a function name such as 'States.Format', found {self.show_here()}")
        name = m.group(0)
        if not name.startswith("States."):
            raise self.error(f"expected a function name starting with 'States.', found {name!r}")
        if depth > MAX_NESTING:
            raise self.error(f"intrinsic functions are nested more than {MAX_NESTING} deep", at=start)
        self.pos = m.end()
        self.skip_spaces()
        if self.peek() != "(":
            raise self.error(f"expected '(' after {name}, found {self.show_here()}")
        self.pos += 1
        self.skip_spaces()
        arguments: list[Argument] = []
        if self.peek() == ")":
            self.pos += 1
            return Call(name, (), start)
        while True:
            arguments.append(self.argument(depth))
            self.skip_spaces()
            ch = self.peek()
            if ch == ",":
                self.pos += 1
                self.skip_spaces()
                continue
            if ch == ")":
                self.pos += 1
                return Call(name, tuple(arguments), start)
            if not ch:
                raise self.error(f"missing ')' to close {name}(")
            raise self.error(f"expected ',' or ')' in the arguments of {name}, found {self.show_here()}")

    def argument(self, depth: int) -> Argument:
        ch = self.peek()
        start = self.pos
        if ch == "'":
            return self.string()
        if ch == "$":
            return self.path()
        if ch == "-" or ch.isdigit():
            m = _NUMBER.match(self.text, self.pos)
            if not m:
                raise self.error(f"invalid number {self.show_here()}")
            self.pos = m.end()
            token = m.group(0)
            # A JSON int stays an int; anything with a fraction or exponent is a float.
            value: JSON = float(token) if (m.group(1) or m.group(2)) else int(token)
            return Literal(value, start)
        m = _NAME.match(self.text, self.pos)
        if m:
            word = m.group(0)
            if word in _KEYWORDS:
                self.pos = m.end()
                return Literal(_KEYWORDS[word], start)
            after = self.pos + len(word)
            while after < len(self.text) and self.text[after].isspace():
                after += 1
            if after < len(self.text) and self.text[after] == "(":
                return self.call(depth + 1)
            raise self.error(
                f"unexpected {word!r}: an argument is a 'string', a number, true, false, null, "
                "a path starting with '$' or a nested States.* call"
            )
        if not ch:
            raise self.error("unexpected end of text, expected an argument")
        raise self.error(f"unexpected {self.show_here()}, expected an argument")

    def string(self) -> StringLiteral:
        text = self.text
        start = self.pos
        pos = start + 1
        chunks: list[str] = []
        current: list[str] = []
        while pos < len(text):
            ch = text[pos]
            if ch == "\\":
                nxt = text[pos + 1] if pos + 1 < len(text) else ""
                if nxt not in _ESCAPABLE or not nxt:
                    shown = f"'\\{nxt}'" if nxt else "'\\' at the end"
                    raise self.error(
                        f"invalid escape {shown} in a string; only \\', \\{{, \\}} and \\\\ are allowed",
                        at=pos,
                    )
                current.append(nxt)
                pos += 2
                continue
            if ch == "'":
                chunks.append("".join(current))
                self.pos = pos + 1
                return StringLiteral("{}".join(chunks), tuple(chunks), start)
            # An unescaped "{}" is a States.Format placeholder; escaped braces never are.
            if ch == "{" and pos + 1 < len(text) and text[pos + 1] == "}":
                chunks.append("".join(current))
                current = []
                pos += 2
                continue
            current.append(ch)
            pos += 1
        raise self.error("unterminated string: missing the closing quote", at=start)

    def path(self) -> PathArgument:
        """A path runs to the first ',' or ')' outside brackets, parentheses and quotes."""
        text = self.text
        start = self.pos
        pos = start
        brackets = parens = 0
        quote = ""
        while pos < len(text):
            ch = text[pos]
            if quote:
                if ch == "\\" and pos + 1 < len(text):
                    pos += 2
                    continue
                if ch == quote:
                    quote = ""
            elif ch in "'\"" and (brackets or parens):
                quote = ch
            elif ch == "[":
                brackets += 1
            elif ch == "]":
                brackets -= 1
            elif ch == "(":
                parens += 1
            elif ch == ")":
                if not parens and not brackets:
                    break
                parens -= 1
            elif ch == "," and not brackets and not parens:
                break
            pos += 1
        if quote:
            raise self.error("unterminated quote in a path", at=start)
        source = text[start:pos].rstrip()
        try:
            path = Path.compile(source)
        except ExpressionSyntaxError as exc:
            raise self.error(f"invalid path {source!r}: {exc}", at=start) from None
        self.pos = pos
        return PathArgument(path, start)
