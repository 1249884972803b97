"""A small tmux driver for the end-to-end tests of ``sysmon top``.

Each :class:`Tmux` owns a private tmux server (``tmux -L sysmon-test-<pid>-<n>``
with its own config file, never the user's server or ``~/.tmux.conf``) and one
session of a fixed size whose only pane runs ``sysmon top`` through ``sh``::

    <python> -m sysmon.cli top -d 0.5 ARGS... 2>STDERR; echo EXITED:$?; exec sleep ...

with this process's environment (PYTHONPATH, PYTHONSAFEPATH, ... pass
through; TERM=xterm-256color; COLUMNS/LINES/TMUX/NO_COLOR dropped so that
curses takes the pane's real size).  The shell stays after the program ends,
so a test reads the EXITED line on the normal screen (``remain-on-exit`` is on
too, for a shell that dies).

The tmux server itself runs without LD_PRELOAD (CI's ASan pass preloads the
sanitizer runtime; uninstrumented tools were seen to deadlock with it): only
the python command gets it back.

Waiting is always by polling (short intervals, a deadline), never a fixed
sleep; every deadline is scaled by :data:`SLOW` under the ASan build.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from helpers import wait_for

T = TypeVar("T")

TMUX = shutil.which("tmux")
ASAN = os.environ.get("SYSMON_ASAN") == "1"
SLOW = 4.0 if ASAN else 1.0  # Python (and the extension) start slower under ASan
TIMEOUT = 10.0 * SLOW         # default deadline for anything to show up
POLL = 0.03

_counter = itertools.count()

# Environment variables that would lie to curses or to tmux about where it runs.
_DROP = ("TMUX", "TMUX_PANE", "COLUMNS", "LINES", "NO_COLOR", "LD_PRELOAD", "TERMINFO",
         "TERMINFO_DIRS", "ESCDELAY", "STY", "WINDOW")

_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def poll(pred: Callable[[], T], timeout: float = TIMEOUT, what: str = "condition",
         last: Callable[[], str] | None = None) -> T:
    """helpers.wait_for at the tmux tests' timeout and pace."""
    return wait_for(pred, timeout, POLL, what, last)


def child_env(**extra: str) -> dict[str, str]:
    """The environment of the program in the pane (LD_PRELOAD is handled apart)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROP}
    env["TERM"] = "xterm-256color"
    env.setdefault("LC_ALL", "C.UTF-8")
    env.update(extra)
    return env


def plain_env() -> dict[str, str]:
    """For helper children (sleep, sh) the tests spawn: no sanitizer preload."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def sgr_params(line: str) -> list[list[str]]:
    """The parameter lists of every SGR sequence in a ``capture-pane -e`` line."""
    return [m.group(1).replace(":", ";").split(";") for m in _SGR.finditer(line)]


def strip_sgr(text: str) -> str:
    return _SGR.sub("", text)


class Tmux:
    """One private tmux server with one session running ``sysmon top``."""

    def __init__(self, args: Sequence[str] = (), width: int = 120, height: int = 40,
                 delay: float = 0.5, env: dict[str, str] | None = None,
                 command: Sequence[str] | None = None) -> None:
        if TMUX is None:
            raise RuntimeError("tmux is not installed")
        self.socket = f"sysmon-test-{os.getpid()}-{next(_counter)}"
        self.dir = Path(tempfile.mkdtemp(prefix="sysmon-tmux-"))
        self.width, self.height = width, height
        self.started = False
        conf = self.dir / "tmux.conf"
        conf.write_text(
            "set -g remain-on-exit on\n"
            "set -g status off\n"
            "set -g escape-time 0\n"
            "set -g history-limit 0\n"
            'set -g default-terminal "xterm-256color"\n'
            "set -g allow-rename off\n"
            "set -g automatic-rename off\n"
        )
        self.conf = conf
        env = child_env(**(env or {}))
        preload = os.environ.get("LD_PRELOAD")
        lines = ["#!/bin/sh"]
        lines += [f"export {k}={shlex.quote(v)}" for k, v in sorted(env.items())
                  if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k)]
        cmd = list(command) if command is not None else [
            sys.executable, "-m", "sysmon.cli", "top", "-d", str(delay), *args]
        run = " ".join(shlex.quote(a) for a in cmd)
        if preload:
            run = f"LD_PRELOAD={shlex.quote(preload)} {run}"
        # stderr goes to a file (curses owns the screen): shown when a wait fails
        self.stderr = self.dir / "stderr"
        run += f" 2>{shlex.quote(str(self.stderr))}"
        # After the program the shell prints its status and stays (tmux 3.3 wipes a
        # dead pane's screen back to what it held before an alternate screen).
        lines += [f"cd {shlex.quote(os.getcwd())}", f"{run}", "echo EXITED:$?",
                  "exec sleep 100000", ""]
        script = self.dir / "run.sh"
        script.write_text("\n".join(lines))
        self.script = script

    # ------------------------------------------------------------------ tmux

    def tmux(self, *args: str, check: bool = True) -> str:
        assert TMUX is not None
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "LD_PRELOAD")}
        p = subprocess.run([TMUX, "-L", self.socket, "-f", str(self.conf), *args],
                           capture_output=True, text=True, env=env, timeout=30 * SLOW,
                           check=False)
        if check and p.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout

    def start(self) -> Tmux:
        self.tmux("new-session", "-d", "-s", "t", "-x", str(self.width), "-y", str(self.height),
                  f"sh {shlex.quote(str(self.script))}")
        self.started = True
        return self

    def close(self) -> None:
        """Kill the server (and with it the pane's processes); remove the temp dir."""
        try:
            if self.started:
                pid = self.pane_pid()
                self.tmux("kill-server", check=False)
                if pid:
                    _wait_gone(pid, 5 * SLOW)
        finally:
            self.started = False
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Tmux:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- keys

    def send_keys(self, *keys: str) -> None:
        """tmux key names: "q", "Enter", "Escape", "F6", "BSpace", "Home", ..."""
        self.tmux("send-keys", "-t", "t", *keys)

    def type_text(self, text: str) -> None:
        """Literal text, character for character (``\\`` included)."""
        self.tmux("send-keys", "-t", "t", "-l", text)

    # --------------------------------------------------------------- screen

    def capture(self, escapes: bool = False) -> str:
        """The visible pane, one line per row (trailing blanks trimmed by tmux);
        with ``escapes`` the attributes as SGR sequences (``capture-pane -e``)."""
        args = ["capture-pane", "-p", "-t", "t"]
        if escapes:
            args.append("-e")
        return self.tmux(*args)

    def lines(self, escapes: bool = False) -> list[str]:
        text = self.capture(escapes)
        out = text.split("\n")
        if out and out[-1] == "":
            out.pop()
        return out

    def display(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", "t", fmt).rstrip("\n")

    def wait_for(self, pred: Callable[[str], T], timeout: float = TIMEOUT,
                 what: str = "screen condition") -> T:
        """Poll the screen until ``pred(screen)`` is truthy; return its value.
        Fails at once if the program has ended (its EXITED line is shown)
        and the condition does not hold."""
        def check() -> T:
            screen = self.capture()
            value = pred(screen)
            if not value and "EXITED:" in screen:
                raise AssertionError(f"sysmon top ended while waiting for {what}"
                                     f"\n{self.report(screen)}")
            return value
        return poll(check, timeout, what, self.report)

    def report(self, screen: str | None = None) -> str:
        """The screen and the program's stderr, for a failure message."""
        screen = self.capture() if screen is None else screen
        try:
            err = self.stderr.read_text(errors="replace")
        except OSError:
            err = ""
        return f"{screen.rstrip()}\n--- stderr ---\n{err.rstrip()}"

    def wait_for_text(self, text: str, timeout: float = TIMEOUT) -> str:
        return self.wait_for(lambda s: s if text in s else "", timeout, repr(text))

    def wait_gone(self, text: str, timeout: float = TIMEOUT) -> str:
        return self.wait_for(lambda s: s if text not in s else "", timeout,
                             f"{text!r} to disappear")

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    # ---------------------------------------------------------------- state

    def pane_pid(self) -> int | None:
        out = self.display("#{pane_pid}") if self.started else ""
        return int(out) if out.isdigit() else None

    def pane_dead(self) -> bool:
        return self.display("#{pane_dead}") == "1"

    def pane_title(self) -> str:
        return self.display("#{pane_title}")


def _wait_gone(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    return  # a zombie of the (dead) tmux server: nothing runs
        except OSError:
            return
        time.sleep(POLL)
