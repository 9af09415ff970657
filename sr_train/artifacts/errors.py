"""User errors: a problem with what the user gave (a file, a setting) rather than a bug of ours.

The command-line tools print a user error as one line `<prog>: <message>` and exit 2; the traceback is shown only
with `--debug` or SR_ALIGN_DEBUG=1. Any other exception is an internal error and keeps its traceback.
"""

from __future__ import annotations

import os
import sys

DEBUG_ENV = "SR_ALIGN_DEBUG"


class UserError(Exception):
    """Bad input or settings; the message names the file / line / field and says what to do.

    Not a ValueError: a ValueError raised inside a library (transformers, lm-eval, datasets) or by a bug of ours
    is an internal error and keeps its traceback; only a UserError becomes one line and exit status 2."""


def debug_enabled(argv: list[str] | None = None) -> bool:
    """`--debug` in argv, or SR_ALIGN_DEBUG set to 1/true/yes."""
    return "--debug" in (argv or []) or os.environ.get(DEBUG_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def one_line(error: BaseException) -> str:
    """The error's message on one line (a multi-line message keeps its lines, each indented, for lists of fields)."""
    text = str(error).strip() or type(error).__name__
    if isinstance(error, OSError) and error.filename is not None and str(error.filename) not in text:
        text = f"{error.filename}: {text}"
    return text


def report(prog: str, error: BaseException, argv: list[str] | None = None) -> int:
    """Print a user error as `<prog>: <message>` on stderr and return 2; re-raise it under --debug."""
    if debug_enabled(argv):
        raise error
    print(f"{prog}: {one_line(error)}", file=sys.stderr)
    return 2
