"""Errors meant for people: one clear sentence, exit code 2, no traceback."""

from __future__ import annotations


class SchemafuzzError(Exception):
    """Base class of every error schemafuzz raises on purpose."""


class InputError(SchemafuzzError):
    """Bad input (a broken schema, a missing file, a bad option): exit code 2.

    The message is one or two lines a user can act on, naming file:line where there is one.
    """

    exit_code = 2
