"""``sysmon explain [FIELD]``: where a field comes from, from the field registry."""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import TextIO

import sysmon
from sysmon.cli._output import (
    Column,
    SubParsers,
    UsageError,
    ascii_only,
    clean,
    format_table,
    write_lines,
)


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "explain",
        help="explain a field: type, unit, kernel source, derivation",
        description="Explain one field (its type, unit, kernel source and derivation), "
        "or list every field with its description.",
    )
    p.add_argument("field", nargs="?", metavar="FIELD", help="a field name; omit to list all")
    p.set_defaults(run=run)


def unknown_field_message(name: str) -> str:
    close = difflib.get_close_matches(name, list(sysmon.FIELDS), n=3, cutoff=0.6)
    if close:
        return f"unknown field '{name}'; did you mean: {', '.join(close)}?"
    return f"unknown field '{name}'; run 'sysmon explain' for the list of fields"


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    name: str | None = args.field
    if name is None:
        rows = [[f.name, f.description] for f in sysmon.FIELDS.values()]
        heads = [Column("FIELD"), Column("DESCRIPTION")]
        write_lines(format_table(heads, rows, header=False, ascii=ascii_only(out)), out)
        return 0
    try:
        text = sysmon.explain(name)
    except KeyError:
        raise UsageError(unknown_field_message(name)) from None
    write_lines([clean(line, out) for line in text.splitlines()], out)
    return 0
