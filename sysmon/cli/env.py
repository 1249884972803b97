"""``sysmon env PID``: a process's environment, as NAME=value lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

import sysmon
from sysmon.cli._output import SubParsers, clean, write_lines
from sysmon.cli._proc_sections import environment_json
from sysmon.cli.proc import pid_arg

DESCRIPTION = """\
Print the environment a process was started with (/proc/PID/environ; later
setenv() calls inside the process are not seen), one NAME=value line per
entry in the process's own order, as env(1) would: a name given twice shows
twice (getenv(3) and Python take the first, sh and bash the last), and an
entry with no "=" shows as NAME= (an empty value).  Values of secret-looking variables
(names containing PASSWORD, TOKEN, KEY, SECRET, ...) are shown as <redacted>
unless --show-secrets is given.  Escape sequences, control, bidi and
invisible characters and undecodable bytes are shown as escapes (\\x1b,
\\u202e, \\xff; a literal backslash as \\\\).  JSON keeps the exact strings
(ASCII-escaped; undecodable bytes as the lone surrogates \\udc80-\\udcff)."""


def add_parser(sub: SubParsers) -> None:
    p = sub.add_parser(
        "env",
        help="a process's environment",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("pid", type=pid_arg, metavar="PID", help="the process")
    p.add_argument("--show-secrets", action="store_true",
                   help="show the values of secret-looking variables")
    p.add_argument("--json", action="store_true",
                   help='print {"pid": PID, "redacted": BOOL, "variables": {NAME: value}, '
                        '"entries": [[NAME, value], ...]}: variables has the first value of '
                        'a repeated name, entries every entry in order')
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    pid: int = args.pid
    show: bool = args.show_secrets
    with sysmon.Process(pid) as p:
        entries = p.environ_entries(redact=not show)
    if args.json:
        obj = {"pid": pid, **environment_json(entries, not show)}
        stream.write(json.dumps(obj, ensure_ascii=True) + "\n")
    else:
        write_lines([clean(f"{k}={v}", stream) for k, v in entries], stream)
    return 0
