"""One-off (issue 14): rewrite imports after modules moved. Run before `git mv`-ing the files.

Resolves every import (relative ones against the file's old module name) to an absolute module,
maps moved modules to their new names, and writes the import back: relative inside the package
(from the file's new place), absolute elsewhere. Strings naming a moved module (`mock.patch`
targets, docs) are rewritten by name.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

MOVES = {
    "statebox.parse": "statebox.definition.parse",
    "statebox.model": "statebox.definition.model",
    "statebox.resume_schema": "statebox.definition.resume_schema",
    "statebox.paths": "statebox.dataflow.paths",
    "statebox.templates": "statebox.dataflow.templates",
    "statebox.budget": "statebox.dataflow.budget",
    "statebox.choice_rules": "statebox.states.choice_rules",
    "statebox.retry": "statebox.states.retry",
    "statebox.suspension": "statebox.interpreter.suspension",
    "statebox.continuations": "statebox.execution.continuations",
    "statebox.stored_inputs": "statebox.execution.stored_inputs",
}
ROOT = Path(__file__).resolve().parent.parent


def new_name(module: str) -> str:
    for old, new in MOVES.items():
        if module == old or module.startswith(old + "."):
            return new + module[len(old) :]
    return module


def module_of(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def relative(target: str, here_package: str) -> str:
    t, h = target.split("."), here_package.split(".")
    common = 0
    while common < min(len(t), len(h)) and t[common] == h[common]:
        common += 1
    dots = "." * (len(h) - common + 1)
    return dots + ".".join(t[common:])


def rewrite(path: Path) -> bool:
    source = path.read_text()
    tree = ast.parse(source)
    old_module, is_package = module_of(path)
    new_module = new_name(old_module)
    old_package = old_module if is_package else old_module.rpartition(".")[0]
    new_package = new_module if is_package else new_module.rpartition(".")[0]
    in_package = old_module.startswith("statebox")
    moved_file = new_module != old_module
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = old_package.split(".")[: len(old_package.split(".")) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if not base.startswith("statebox"):
                continue
            groups: dict[str, list[str]] = {}
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in MOVES:
                    target_base = MOVES[full].rpartition(".")[0]
                else:
                    target_base = new_name(base)
                text = alias.name + (f" as {alias.asname}" if alias.asname else "")
                groups.setdefault(target_base, []).append(text)
            changed = list(groups) != [base] or (moved_file and node.level)
            if not changed:
                continue
            statements = []
            for target_base, names in groups.items():
                if in_package and (node.level or moved_file):
                    where = relative(target_base, new_package)
                else:
                    where = target_base
                statements.append(f"from {where} import {', '.join(names)}")
            indent = " " * node.col_offset
            text = ("\n" + indent).join(statements)
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, text))
        elif isinstance(node, ast.Import):
            if any(new_name(a.name) != a.name for a in node.names):
                names = ", ".join(
                    new_name(a.name) + (f" as {a.asname}" if a.asname else "") for a in node.names
                )
                edits.append(
                    (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, f"import {names}")
                )
    for lineno, col, end_lineno, end_col, text in sorted(edits, reverse=True):
        start = sum(len(line) for line in lines[: lineno - 1]) + col
        end = sum(len(line) for line in lines[: end_lineno - 1]) + end_col
        joined = "".join(lines)
        joined = joined[:start] + text + joined[end:]
        lines = joined.splitlines(keepends=True)
    result = "".join(lines)
    result = rewrite_strings(result)
    if result != source:
        path.write_text(result)
        return True
    return False


# `statebox.parse(...)` is the library function: only `statebox.parse.x` and "statebox.parse" move.
_DOTTED = re.compile(
    r"\bstatebox\.("
    + "|".join(m.split(".")[1] for m in MOVES if m != "statebox.parse")
    + r"|parse(?=\.\w|[\"']))\b"
)
_SLASHED = re.compile(r"\bstatebox/(" + "|".join(m.split(".")[1] for m in MOVES) + r")\.py\b")


def rewrite_strings(text: str) -> str:
    text = _DOTTED.sub(lambda m: MOVES["statebox." + m.group(1)], text)
    return _SLASHED.sub(lambda m: MOVES["statebox." + m.group(1)].replace(".", "/") + ".py", text)


def main() -> None:
    changed = []
    for folder in ("statebox", "tests", "bench", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "_relayout.py":
                continue
            if rewrite(path):
                changed.append(path)
    for path in [*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md"), ROOT / "pyproject.toml"]:
        text = path.read_text()
        new = rewrite_strings(text)
        if new != text:
            path.write_text(new)
            changed.append(path)
    print("\n".join(str(p.relative_to(ROOT)) for p in changed), file=sys.stderr)


if __name__ == "__main__":
    main()
