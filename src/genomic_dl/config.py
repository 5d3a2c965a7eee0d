"""Reading and checking the workflow config with short messages that name key, value and file.

Snakemake's ``validate`` prints the whole schema and the whole config on a one-word typo (about
2,000 lines), and a malformed YAML file comes out as "not valid JSON or YAML" without the file or
the line. Here:

* :func:`load_config_file` parses one YAML file and, when it is malformed, names the file, the
  line and the column and quotes that line;
* :func:`check_config` validates the merged config against the JSON schema and reports at most
  :data:`MAX_ERRORS` problems, each as the key path, its value (shortened), what was expected and
  the config file the value came from (the last of ``sources`` that sets it).

Both raise :class:`ConfigError`; its message is at most about 20 lines. Defaults are not filled in:
the schema requires every key.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import yaml

__all__ = ["MAX_ERRORS", "ConfigError", "check_config", "config_sources", "load_config_file", "source_of"]

#: Problems reported at most (each takes up to three lines).
MAX_ERRORS = 5
#: Characters of a value quoted at most.
MAX_VALUE = 70


class ConfigError(ValueError):
    """The config is malformed or invalid; the message names file, key and value."""


def load_config_file(path: str | os.PathLike) -> dict:
    """Parse a YAML (or JSON) config file; :class:`ConfigError` naming file and line if malformed."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = " ".join(filter(None, [getattr(error, "context", None), getattr(error, "problem", None)]))
        started = getattr(error, "context_mark", None)
        if started is not None and mark is not None and started.line != mark.line:
            problem += f" (the construct began on line {started.line + 1})"
        problem = problem or str(error).splitlines()[0]
        if mark is None:
            raise ConfigError(f"{path}: malformed YAML: {problem}") from None
        lines = text.splitlines()
        quoted = lines[mark.line] if mark.line < len(lines) else ""
        raise ConfigError(
            f"{path}, line {mark.line + 1}, column {mark.column + 1}: malformed YAML: {problem}\n"
            f"    {quoted}\n    {' ' * mark.column}^\n"
            "(tabs and mixed indentation are a common cause)"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file must be a mapping of keys at top level, got {type(data).__name__}")
    return data


def config_sources(base: Iterable[str | os.PathLike], overrides: Iterable[str | os.PathLike]) -> list[Path]:
    """The config files in the order Snakemake merges them (later ones win), without repeats."""
    seen, ordered = set(), []
    for path in [*base, *overrides]:
        resolved = Path(path).resolve()
        if resolved not in seen:
            seen.add(resolved)
            ordered.append(Path(path))
    return ordered


def _lookup(data: Any, key_path: Sequence[Any]) -> tuple[bool, Any]:
    for key in key_path:
        in_mapping = isinstance(data, Mapping) and key in data
        in_list = isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data)
        if not (in_mapping or in_list):
            return False, None
        data = data[key]
    return True, data


def source_of(key_path: Sequence[Any], sources: Sequence[str | os.PathLike], loaded: Mapping | None = None) -> str:
    """The last of ``sources`` that sets ``key_path`` (or its nearest parent): where to fix it."""
    loaded = loaded if loaded is not None else {}
    for depth in range(len(key_path), -1, -1):
        for path in reversed(sources):
            if path not in loaded:
                try:
                    loaded[path] = load_config_file(path)
                except ConfigError:
                    loaded[path] = {}
            if depth and _lookup(loaded[path], key_path[:depth])[0]:
                return str(path)
        if depth == 0:
            break
    return "--config on the command line or the merged config" if not sources else str(sources[0])


def _dotted(key_path: Sequence[Any]) -> str:
    text = ""
    for key in key_path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text or "(top level)"


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, Mapping | list) else yaml.safe_dump(value, default_flow_style=True)
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 3] + "..."


def _names(names: Iterable[str], limit: int = 8) -> str:
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _allowed_keys(schema: Mapping) -> set[str]:
    return set(schema.get("properties", {}))


def _describe(error: jsonschema.ValidationError) -> list[tuple[list[Any], Any, str]]:
    """(key path, value, expected) for one schema error; several for several unknown keys."""
    path = list(error.absolute_path)
    kind, expected_value, schema = error.validator, error.validator_value, error.schema
    if kind in {"additionalProperties", "unevaluatedProperties"} and isinstance(error.instance, Mapping):
        allowed = _allowed_keys(schema)
        patterns = list(schema.get("patternProperties", {}))
        extra = [k for k in error.instance if k not in allowed and not any(re.search(p, str(k)) for p in patterns)]
        out = []
        for key in extra or list(error.instance):
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            out.append(
                ([*path, key], error.instance[key], f"unknown key; {hint}allowed here: {_names(allowed) or 'none'}")
            )
        return out
    if kind == "required":
        missing = [k for k in expected_value if isinstance(error.instance, Mapping) and k not in error.instance]
        return [([*path, key], "(missing)", "a required key") for key in missing]
    if kind == "type":
        types = expected_value if isinstance(expected_value, list) else [expected_value]
        expected = f"of type {' or '.join(types)}"
    elif kind == "enum":
        expected = f"one of {_short(expected_value)}"
    elif kind in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        expected = f"a number {sign} {expected_value}"
    elif kind in {"minItems", "maxItems", "uniqueItems", "minLength", "maxLength"}:
        expected = f"{kind} {expected_value}"
    elif kind == "pattern":
        expected = f"a string matching {expected_value!r}"
    elif kind in {"oneOf", "anyOf"} and error.context:
        # One expectation per alternative, e.g. "a string matching '^[0-9a-f]{32}$' or of type null".
        branches: dict[Any, list] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
        expectations = []
        for subs in branches.values():
            deepest = max(subs, key=lambda e: len(e.absolute_path))
            if list(deepest.absolute_path) != path:
                return _describe(deepest)  # the value matches this form but is wrong further down
            for key_path, _, expected in _describe(subs[0]):
                if subs[0].validator == "required":
                    expected = f"a key '{key_path[-1]}'"
                if expected not in expectations:
                    expectations.append(expected)
        return [(path, error.instance, " or ".join(expectations))]
    else:
        expected = error.message.split("\n", 1)[0]
        if len(expected) > 120:
            expected = expected[:117] + "..."
    return [(path, error.instance, expected)]


def check_config(
    config: Mapping,
    schema: Mapping | str | os.PathLike,
    sources: Sequence[str | os.PathLike] = (),
) -> None:
    """Validate ``config`` against the JSON ``schema``; :class:`ConfigError` with a short report.

    ``sources``: the config files merged into ``config``, in merge order, to say which file sets
    an offending value.
    """
    if not isinstance(schema, Mapping):
        schema = load_config_file(schema)
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    problems = []
    for error in errors:
        for item in _describe(error):
            if item not in problems:
                problems.append(item)
    loaded: dict = {}
    lines = [f"invalid config: {len(problems)} problem{'s' if len(problems) != 1 else ''}"]
    for key_path, value, expected in problems[:MAX_ERRORS]:
        lines.append(f"  {_dotted(key_path)} = {_short(value) if value != '(missing)' else '(missing)'}")
        lines.append(f"      expected {expected}" if not expected.startswith("unknown") else f"      {expected}")
        lines.append(f"      in {source_of(key_path, list(sources), loaded)}")
    if len(problems) > MAX_ERRORS:
        lines.append(f"  ... and {len(problems) - MAX_ERRORS} more (fix these first)")
    raise ConfigError("\n".join(lines))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m genomic_dl.config FILE...``: check that config files parse (file and line if not)."""
    import sys

    status = 0
    for path in argv if argv is not None else sys.argv[1:]:
        try:
            load_config_file(path)
        except ConfigError as error:
            print(error, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
