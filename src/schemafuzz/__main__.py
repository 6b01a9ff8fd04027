"""`python -m schemafuzz`: the command line."""

from schemafuzz._internal.cli import main

main()
