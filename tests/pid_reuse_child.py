"""Deterministic pid reuse, run by test_process_pid_reuse.py as pid 1 of a
private pid namespace (`unshare --pid --fork --mount-proc`).

Usage: python pid_reuse_child.py BACKEND TRIALS

In a fresh namespace nothing else forks, so writing ns_last_pid makes the
next new process take exactly the pid we choose.  Each trial (A and B are
`sleep` children):

  start A; h = sysmon.Process(A); kill and reap A;
  ns_last_pid = A - 1; start B               -> B has A's pid
  every signal call on h raises NoSuchProcess, h.wait() returns None at once,
  and B got nothing: B runs with every signal blocked, so a signal that
  reached it would stay pending (ShdPnd/SigPnd in its status); SIGKILL and
  SIGSTOP, which cannot be blocked, would leave it dead or stopped.
  A fresh handle on the pid does see B and reaches it (positive control).

Half the trials start B at once (A and B often share a start tick: a
start-time check could not tell them apart); the other half first let the
clock move past A's start tick, so B's start time must differ from A's.

Prints one line "RESULT <json>" on success, exits 1 with a reason otherwise.
Everything left in the namespace dies with us (we are its init).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import time
import traceback

import sysmon

CLK_TCK = os.sysconf("SC_CLK_TCK")
NS_LAST_PID = "/proc/sys/kernel/ns_last_pid"
STALE_CALLS = (
    ("send_signal(SIGTERM)", lambda h: h.send_signal(signal.SIGTERM)),
    ("send_signal('USR1')", lambda h: h.send_signal("USR1")),
    ("send_signal(0)", lambda h: h.send_signal(0)),
    ("terminate()", lambda h: h.terminate()),
    ("kill()", lambda h: h.kill()),
    ("suspend()", lambda h: h.suspend()),
    ("resume()", lambda h: h.resume()),
)


class TrialFailed(Exception):
    pass


def check(cond: bool, what: str) -> None:
    if not cond:
        raise TrialFailed(what)


SLEEP = shutil.which("sleep") or "/bin/sleep"
# `sleep` runs without a preloaded sanitizer runtime: it starts faster, and
# only this Python needs the ASan runtime (for the sanitized extension).
SLEEP_ENV = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}


def spawn_sleeper() -> int:
    """`sleep 600`, with every blockable signal blocked (our mask, inherited)."""
    return os.posix_spawn(SLEEP, [SLEEP, "600"], SLEEP_ENV)


def status_of(pid: int) -> dict[str, str]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            out[key] = val.strip()
    return out


def stat_of(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        raw = f.read()
    return raw[raw.rindex(")") + 2:].split()  # [0] = state (field 3), [19] = field 22


def boot_tick() -> int:
    return time.clock_gettime_ns(time.CLOCK_BOOTTIME) * CLK_TCK // 1_000_000_000


def untouched(b: int) -> str | None:
    """None if B is alive, not stopped, and has no signal pending; else why."""
    wpid, wstatus = os.waitpid(b, os.WNOHANG | os.WUNTRACED)
    if wpid:
        return f"B (pid {b}) changed state: wait status {wstatus:#x}"
    state = stat_of(b)[0]
    if state in "TtZX":
        return f"B (pid {b}) is in state {state}"
    st = status_of(b)
    if int(st["ShdPnd"], 16) or int(st["SigPnd"], 16):
        return f"B (pid {b}) has pending signals: ShdPnd={st['ShdPnd']} SigPnd={st['SigPnd']}"
    return None


def trial(slow: bool, stats: dict) -> bool:
    """One trial; False when B did not get A's pid (caller retries)."""
    a = spawn_sleeper()
    h = sysmon.Process(a)
    b = None
    try:
        check(h.pid == a and h.is_running(), f"handle on A (pid {a}) not live")
        a_start = h.start_ticks()
        os.kill(a, signal.SIGKILL)  # A is ours and unreaped: the pid is still A's
        os.waitpid(a, 0)
        if slow:
            while boot_tick() <= a_start:
                time.sleep(0.002)
        with open(NS_LAST_PID, "w") as f:
            f.write(str(a - 1))
        b = spawn_sleeper()
        if b != a:
            return False

        for what, call in STALE_CALLS:
            try:
                call(h)
            except sysmon.NoSuchProcess as e:
                check(not isinstance(e, ProcessLookupError), f"{what}: {e!r}")
                check(e.pid == a, f"{what}: NoSuchProcess.pid {e.pid} != {a}")
            except Exception as e:  # reported as the failure
                raise TrialFailed(f"stale h.{what} raised {e!r}, not NoSuchProcess") from e
            else:
                raise TrialFailed(f"stale h.{what} did not raise (B pid {b})")
            why = untouched(b)
            check(why is None, f"after stale h.{what}: {why}")
        try:
            got = h.wait(timeout=5.0)
        except sysmon.TimeoutExpired as e:
            raise TrialFailed(f"stale h.wait() waited on B: {e}") from e
        check(got is None, f"stale h.wait() returned {got!r}, not None")
        check(not h.is_running(), "stale h.is_running() is True")
        why = untouched(b)
        check(why is None, f"after stale h.wait(): {why}")

        with sysmon.Process(a) as h2:
            check(h2.pid == b, "fresh handle pid")
            check(h2.ppid() == os.getpid(), f"fresh handle ppid {h2.ppid()}: not B")
            check(h2.start_ticks() == int(stat_of(b)[19]), "fresh handle start_ticks != B's")
            if h2.start_ticks() == a_start:
                stats["same_tick"] += 1
            if h2 == h:  # (pid, start_ticks, root): equal when they share a tick
                stats["equal_handles"] += 1
            if slow:
                check(h2.start_ticks() != a_start,
                      f"slow trial: B start {h2.start_ticks()} == A start {a_start}")
            # Positive control: the fresh handle reaches B, and the check sees it.
            h2.send_signal(signal.SIGUSR1)
            shd = int(status_of(b)["ShdPnd"], 16)
            check(shd == 1 << (signal.SIGUSR1 - 1),
                  f"after fresh SIGUSR1, B ShdPnd={shd:#x}: expected only SIGUSR1")
            h2.kill()
            got = h2.wait(timeout=10.0)
            check(got == -signal.SIGKILL, f"fresh h2.wait() returned {got!r}, not -9")
            b = None  # reaped by h2.wait()
        stats["slow" if slow else "fast"] += 1
        return True
    finally:
        h.close()
        if b is not None:  # still ours (a failed check may have reaped it already)
            with contextlib.suppress(OSError):
                os.kill(b, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(b, 0)


def main() -> int:
    backend, trials = sys.argv[1], int(sys.argv[2])
    stats = {"backend": sysmon.backend(), "trials": 0, "fast": 0, "slow": 0,
             "same_tick": 0, "equal_handles": 0, "retries": 0, "pid1": os.getpid() == 1,
             "sysmon": os.path.dirname(os.path.abspath(sysmon.__file__))}
    if sysmon.backend() != backend:
        print(f"FAIL backend is {sysmon.backend()!r}, expected {backend!r}", flush=True)
        return 1
    if os.getpid() != 1:
        print(f"FAIL not pid 1 of a new pid namespace (pid {os.getpid()})", flush=True)
        return 1
    # Every child inherits this mask: a signal that reaches one stays pending.
    signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
    max_retries = max(3, trials // 4)
    try:
        done = 0
        while done < trials:
            if trial(slow=done % 2 == 1, stats=stats):
                done += 1
                stats["trials"] = done
            else:
                stats["retries"] += 1
                if stats["retries"] > max_retries:
                    print(f"FAIL pid reuse could not be arranged: {json.dumps(stats)}",
                          flush=True)
                    return 1
    except TrialFailed as e:
        print(f"FAIL trial {stats['trials'] + 1}: {e} {json.dumps(stats)}", flush=True)
        traceback.print_exc()
        return 1
    print("RESULT " + json.dumps(stats), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
