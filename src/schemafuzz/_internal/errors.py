"""Errors meant for people: one clear sentence, exit code 2, no traceback."""

from __future__ import annotations


class SchemafuzzError(Exception):
    """Base class of every error schemafuzz raises on purpose."""


class InputError(SchemafuzzError):
    """Bad input (a broken schema, a missing file, a bad option): exit code 2.

    The message is one or two lines a user can act on, naming file:line where there is one.
    """

    exit_code = 2


def decode_text(path: object, data: bytes) -> str:
    """A schema file's bytes as UTF-8 text; otherwise an InputError naming file:line:column
    and the offending byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise InputError(
            f"{path}:{line}:{column}: not a UTF-8 text file (byte 0x{data[exc.start]:02x})"
        ) from None
