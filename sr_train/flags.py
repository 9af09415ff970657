"""Command-line flags from a settings dataclass: each field is one flag whose name, type, choices, help and default
come from the field (metadata `help`, `choices`), so a default is written once, where the field is declared, and
`--help` shows it: "(default: X)". Values are converted as YAML values are (`true`/`false`, `1e3`, `none`)."""

from __future__ import annotations

import argparse
import dataclasses
import math
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
SHOWN_CHARS = 60  # longer string defaults are cut in --help


def declared_type(cls: type, name: str) -> tuple[type, bool]:
    """(the declared type of field `name` of dataclass `cls`, whether it may be None)."""
    t = typing.get_type_hints(cls)[name]
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        args = typing.get_args(t)
        return next(a for a in args if a is not type(None)), type(None) in args
    return t, False


def parse_bool(value: Any) -> bool:
    """True/False, or the strings true/false, yes/no, on/off, 1/0 (any case); ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected true or false, got {value!r}")


def convert(value: Any, t: type, optional: bool) -> Any:
    """`value` as type `t` (bool, int, float, str); ValueError saying what was expected."""
    if value is None:
        if optional:
            return None
        raise ValueError(f"expected {'a number' if t in (int, float) else f'a {t.__name__}'}, got null")
    if t is bool:
        return parse_bool(value)
    if t is int:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected an integer, got {value!r}")
        number: Any = value
        if isinstance(value, str):
            try:
                number = int(value.strip())
            except ValueError:
                try:
                    number = float(value)  # "1e3"
                except ValueError:
                    raise ValueError(f"expected an integer, got {value!r}") from None
        if isinstance(number, float) and not (math.isfinite(number) and number.is_integer()):
            raise ValueError(f"expected an integer, got {value!r}")
        return int(number)
    if t is float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    if t is str:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError(f"expected a string, got {value!r}")
        return str(value)
    return value


def flag_type(t: type, optional: bool) -> Callable[[str], Any]:
    """argparse type of a field's flag: its value converted like a YAML value (`none` for an optional field)."""
    def parse(text: str) -> Any:
        if optional and text.strip().lower() in {"none", "null"}:
            return None
        try:
            return convert(text, t, optional)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    parse.__name__ = t.__name__  # argparse names the type in its own messages
    return parse


def flag(name: str) -> str:
    """The flag of field `name`: --max-new-tokens for max_new_tokens."""
    return "--" + name.replace("_", "-")


def field_default(f: dataclasses.Field) -> Any:
    """A field's default (its default_factory called), None when it has none."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def shown(value: Any) -> str:
    """A default as --help shows it: its repr, a long string cut to SHOWN_CHARS with '...'."""
    if isinstance(value, str) and len(value) >= SHOWN_CHARS:
        value = value[:SHOWN_CHARS - 3] + "..."
    return repr(value)


def add_flags(container: Any, cls: type, names: Iterable[str] | None = None, *, skip: Iterable[str] = (),
              switches: bool = False, more_help: Callable[[str], str] | None = None) -> None:
    """One flag per field of dataclass `cls` (those in `names` when given, none in `skip`) on `container` (a parser,
    argument group or mutually exclusive group). A flag not given is absent from the parsed namespace (the
    dataclass fills in its default: see `given`). With `switches`, a bool field whose default is False is a switch
    (`--force`); otherwise it takes a value (`--lora true`). `more_help(name)` is added to a field's help."""
    wanted = None if names is None else set(names)
    for f in dataclasses.fields(cls):
        if (wanted is not None and f.name not in wanted) or f.name in set(skip):
            continue
        t, optional = declared_type(cls, f.name)
        default = field_default(f)
        text = " ".join(p for p in (f.metadata.get("help", ""), more_help(f.name) if more_help else "") if p)
        kwargs: dict[str, Any] = {"dest": f.name, "default": argparse.SUPPRESS,
                                  "help": f"{text} (default: {shown(default)})".replace("%", "%%")}
        if t is bool and switches and default is False:
            kwargs["action"] = "store_true"
        else:
            kwargs["type"] = flag_type(t, optional)
            if t is bool:
                kwargs["metavar"] = "BOOL"
            elif f.metadata.get("choices"):
                kwargs["choices"] = f.metadata["choices"]
            elif f.metadata.get("metavar"):
                kwargs["metavar"] = f.metadata["metavar"]
        container.add_argument(flag(f.name), **kwargs)


def given(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The fields of dataclass `cls` that were given on the command line, by name."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in vars(args).items() if k in names}
