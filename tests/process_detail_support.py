"""Shared by the live tests of the one-process-in-depth API
(test_process_detail_live.py, test_process_detail_edges.py).

Children are small Python programs (``sys.executable -c``) that set
themselves up, then report what they did as one JSON line on their stdout
(the readiness signal) and serve further reports: every line written to
their stdin gets one JSON line back; EOF on stdin ends them.  Ground truth is
what a child reports about itself, what the test arranged, small independent
readers of /proc written here, and independent tools (ps, prlimit, capsh,
setpriv, psutil).  Nothing here uses sysmon.

Every child is owned by a ``helpers.Children`` and is killed and reaped by
its ``close()``; children that fork keep to their own session, which
``kill_session`` ends as a whole.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from helpers import Children, read_cmdline, read_stat, wait_for  # noqa: E402

SE = "surrogateescape"

# --------------------------------------------------------------------------
# children that report over a pipe

_RUNNER = r"""
import json as _json, sys as _sys
def report(cmd):
    return {}
%s
_out = _sys.stdout
_out.write(_json.dumps(report("start")) + "\n")
_out.flush()
for _line in _sys.stdin:
    _out.write(_json.dumps(report(_line.strip())) + "\n")
    _out.flush()
"""


class Kid:
    """A child python that reports as JSON over its stdout."""

    def __init__(self, popen: subprocess.Popen, report: Any) -> None:
        self.popen = popen
        self.pid: int = popen.pid
        self.report = report

    def ask(self, cmd: str = "report") -> Any:
        assert self.popen.stdin is not None and self.popen.stdout is not None
        self.popen.stdin.write(cmd.encode() + b"\n")
        self.popen.stdin.flush()
        return _read_report(self.popen)

    def stop(self) -> None:
        """SIGSTOP it and wait until it is stopped (its counters hold still)."""
        os.kill(self.pid, signal.SIGSTOP)
        wait_for(lambda: read_stat(self.pid)[3] == "T", what=f"pid {self.pid} to stop")


def _read_report(p: subprocess.Popen) -> Any:
    assert p.stdout is not None
    line = p.stdout.readline()
    if not line:
        p.kill()
        p.wait()
        err = p.stderr.read().decode(errors="replace") if p.stderr else ""
        raise AssertionError(f"child {p.pid} died before reporting (rc={p.returncode}): {err}")
    return json.loads(line)


def spawn_kid(kids: Children, body: str, *args: str, prefix: tuple[str, ...] = (),
              **kw: Any) -> Kid:
    """Run ``body`` (which may define ``report(cmd) -> JSON-able``) in a child
    python, optionally under a wrapper command (``prefix``: unshare, setpriv),
    and wait for its first report."""
    code = _RUNNER % textwrap.dedent(body)
    kw.setdefault("stdin", subprocess.PIPE)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    p = kids.spawn([*prefix, sys.executable, "-c", code, *args], **kw)
    return Kid(p, _read_report(p))


def kill_session(p: subprocess.Popen) -> None:
    """Kill every process of the session p leads (p was started with
    start_new_session=True), then reap p."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(p.pid, signal.SIGKILL)
    with contextlib.suppress(Exception):
        p.wait(timeout=30)


def end_tree(kid: Kid) -> None:
    """Kill a TREE_CHILD's descendants bottom up (each reaped by its parent),
    then the whole session in case something was left."""
    try:
        for name in ("d", "c1", "c2", "b"):
            pid = kid.report[name]
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone([pid])
    finally:
        kill_session(kid.popen)


def wait_gone(pids) -> None:
    """Wait until none of pids is visible any more (killed orphans are reaped
    by init or the nearest subreaper, a moment later)."""
    wait_for(lambda: not any(os.path.exists(f"/proc/{p}") for p in pids),
             what=f"{sorted(pids)} to be reaped")


# --------------------------------------------------------------------------
# independent /proc readers


def read_bytes(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def status_hex(pid: int | str, key: str) -> int:
    """A hexadecimal status line (SigBlk, CapEff, ...) as an int."""
    for line in read_bytes(f"/proc/{pid}/status").split(b"\n"):
        k, _, v = line.partition(b":")
        if k.decode() == key:
            return int(v.strip(), 16)
    raise KeyError(key)


def status_value(pid: int | str, key: str) -> str | None:
    for line in read_bytes(f"/proc/{pid}/status").split(b"\n"):
        k, _, v = line.partition(b":")
        if k.decode() == key:
            return v.strip().decode()
    return None


def read_environ_raw(pid: int | str) -> bytes:
    return read_bytes(f"/proc/{pid}/environ")


def read_fdinfo(pid: int, fd: int) -> dict[str, int]:
    """pos (decimal), flags (octal), mnt_id, ino of /proc/pid/fdinfo/fd."""
    out = {}
    for line in read_bytes(f"/proc/{pid}/fdinfo/{fd}").split(b"\n"):
        k, _, v = line.partition(b":")
        k = k.decode()
        if k in ("pos", "mnt_id", "ino"):
            out[k] = int(v)
        elif k == "flags":
            out[k] = int(v, 8)
    return out


def read_io(pid: int) -> dict[str, int]:
    out = {}
    for line in read_bytes(f"/proc/{pid}/io").split(b"\n"):
        k, _, v = line.partition(b":")
        if k:
            out[k.decode()] = int(v)
    return out


def cgroup_lines(pid: int | str) -> list[tuple[int, str, str]]:
    """(hierarchy id, controllers, path) of each /proc/pid/cgroup line."""
    out = []
    for line in read_bytes(f"/proc/{pid}/cgroup").split(b"\n"):
        if line:
            hid, ctl, path = line.split(b":", 2)
            out.append((int(hid), ctl.decode(errors=SE), path.decode(errors=SE)))
    return out


def kv_kb(data: bytes) -> dict[str, int]:
    """"Key:   123 kB" lines (smaps, smaps_rollup) -> {key: kB}; other lines skipped."""
    out: dict[str, int] = {}
    for line in data.split(b"\n"):
        k, sep, v = line.partition(b":")
        parts = v.split()
        if sep and len(parts) == 2 and parts[1] == b"kB" and b" " not in k:
            out[k.decode()] = int(parts[0])
    return out


def smaps_sums(pid: int) -> tuple[dict[str, int], int]:
    """Sum of every "Key: N kB" over the VMAs of /proc/pid/smaps, and the
    number of VMAs."""
    sums: dict[str, int] = {}
    vmas = 0
    for line in read_bytes(f"/proc/{pid}/smaps").split(b"\n"):
        k, sep, v = line.partition(b":")
        parts = v.split()
        if sep and len(parts) == 2 and parts[1] == b"kB" and b" " not in k:
            sums[k.decode()] = sums.get(k.decode(), 0) + int(parts[0])
            if k == b"Size":
                vmas += 1
    return sums, vmas


def is_kthread(pid: int) -> bool:
    try:
        return bool(read_stat(pid)[9] & 0x00200000)  # PF_KTHREAD
    except (FileNotFoundError, ProcessLookupError):
        return False


# --------------------------------------------------------------------------
# signals and capabilities


def sigset(nums) -> frozenset:
    """Signal numbers as decode_sigmask promises them: signal.Signals members,
    plain ints where the enum has no name (real-time signals but the two ends)."""
    out = set()
    for n in nums:
        try:
            out.add(signal.Signals(n))
        except ValueError:
            out.add(int(n))
    return frozenset(out)


def sigmask_of(sigs) -> int:
    return sum(1 << (int(s) - 1) for s in sigs)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def capget(pid: int) -> dict[str, int]:
    """effective/permitted/inheritable masks from the capget(2) system call
    (no /proc involved)."""
    libc = ctypes.CDLL(None, use_errno=True)
    hdr = _CapHeader(0x20080522, pid)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if libc.capget(ctypes.byref(hdr), data) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return {k: getattr(data[0], k) | getattr(data[1], k) << 32
            for k in ("effective", "permitted", "inheritable")}


def capsh_decode(mask: int) -> frozenset[str]:
    """capsh's own names for a capability mask ("CAP_CHOWN", ...)."""
    out = subprocess.run(["capsh", f"--decode={mask:x}"], capture_output=True, text=True,
                         check=True).stdout.strip()
    names = out.partition("=")[2]
    return frozenset(n.upper() for n in names.split(",") if n)


# --------------------------------------------------------------------------
# child programs

ENV_SECRETS = {
    b"API_TOKEN": b"tok-123",
    b"DB_PASSWORD": b"hunter2",
    b"my_session_id": b"abc",
    b"AWS_SECRET_ACCESS_KEY": b"AKIA/xyz=",
    b"PRIVATE_X": b"x",
    b"COOKIE_JAR": b"/tmp/jar",
    b"GITHUB_AUTH": b"gh",
    b"CREDENTIALS_FILE": b"/etc/creds",
    b"PASSWD": b"pw",
    b"SSH_KEY": b"-----BEGIN",
    b"TOKEN\xff": b"bad-name-secret",
}
ENV_HARMLESS = {
    b"K": b"\xff\xfe",
    b"PATH": b"/usr/bin:/bin",
    b"LANG": b"C.UTF-8",
    b"ESC": b"\x1b[31mred\x1b[0m",
    b"BIDI": "\u202egpj.exe".encode(),
    b"NEWLINE": b"two\nlines",
    b"EQUALS": b"a=b=c",
    b"EMPTY": b"",
    b"SPACE NAME": b" padded ",
    b"\xc3NAME": b"\xc3",
    b"UTF8": "h\u00e9llo \u2603".encode(),
    b"BIG": b"v" * 100_000,  # more than a page: read to EOF
}

SIGNAL_CHILD = """
import ctypes, platform, signal, threading
def handler(*a):
    pass
signal.signal(signal.SIGUSR2, handler)
signal.signal(signal.SIGTERM, handler)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGQUIT, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGRTMIN + 2})
# a signal pending on the (main) thread alone, not on the process
signal.pthread_kill(threading.get_ident(), signal.SIGRTMIN + 2)

libc = ctypes.CDLL(None, use_errno=True)
NR_RT_SIGACTION = {"x86_64": 13, "aarch64": 134}.get(platform.machine())

def disposition(s):
    # the kernel's handler for s (rt_sigaction, the raw system call: glibc
    # refuses its own internal signals 32 and 33); else what python knows
    if NR_RT_SIGACTION is not None:
        old = ctypes.create_string_buffer(64)  # struct sigaction: handler first
        if libc.syscall(NR_RT_SIGACTION, s, None, old, 8) == 0:
            h = int.from_bytes(old.raw[:ctypes.sizeof(ctypes.c_void_p)], "little")
            return {0: "dfl", 1: "ign"}.get(h, "caught")
    try:
        h = signal.getsignal(s)
    except (OSError, ValueError):
        return "dfl"
    if h is None:
        return None
    return {signal.SIG_DFL: "dfl", signal.SIG_IGN: "ign"}.get(h, "caught")

def report(cmd):
    d = {s: disposition(s) for s in range(1, signal.NSIG)}
    return {"blocked": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
            "pending": sorted(int(s) for s in signal.sigpending()),
            "ignored": [s for s, v in d.items() if v == "ign"],
            "caught": [s for s, v in d.items() if v == "caught"],
            "unknown": [s for s, v in d.items() if v is None],
            "rtmin": int(signal.SIGRTMIN)}
"""

FILES_CHILD = """
import ctypes, os, socket, sys
d = sys.argv[1]
P = lambda n: os.path.join(d, n)
with open(P("data.txt"), "wb") as f:
    f.write(b"x" * 20)
fds = {}
fds["append"] = os.open(P("data.txt"), os.O_RDWR | os.O_APPEND)
os.lseek(fds["append"], 7, os.SEEK_SET)
fds["read"] = os.open(P("data.txt"), os.O_RDONLY)
os.lseek(fds["read"], 3, os.SEEK_SET)
fds["write"] = os.open(P("w.txt"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.write(fds["write"], b"abcde")
fds["deleted"] = os.open(P("gone.txt"), os.O_RDWR | os.O_CREAT, 0o600)
os.write(fds["deleted"], b"12")
os.unlink(P("gone.txt"))
with open(P("x (deleted)"), "wb") as f:
    f.write(b"not deleted")
fds["fake_deleted"] = os.open(P("x (deleted)"), os.O_RDONLY)
fds["odd_name"] = os.open(os.path.join(os.fsencode(d), b"bad\\xff \\x1b[0m\\nname"),
                          os.O_RDWR | os.O_CREAT, 0o600)
fds["pipe_r"], fds["pipe_w"] = os.pipe()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen()
fds["socket"] = s.fileno()
fds["devnull"] = os.open("/dev/null", os.O_WRONLY)
fds["dir"] = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.mkfifo(P("fifo"))
fds["fifo"] = os.open(P("fifo"), os.O_RDWR)
# os.eventfd is Python 3.10+; the libc call where it is missing
fds["eventfd"] = os.eventfd(0) if hasattr(os, "eventfd") else ctypes.CDLL(None).eventfd(0, 0)
fds["netns"] = os.open("/proc/self/ns/net", os.O_RDONLY)
fds["append_w"] = os.open(P("data.txt"), os.O_WRONLY | os.O_APPEND)

# more fds than sysmon's first buffers hold: rows, and targets of ~4000
# bytes each (PATH_MAX is 4096) in an arena that starts at 16 KiB
long_dir = d
while len(long_dir) < 3700:
    long_dir = os.path.join(long_dir, "L" * 200)
    os.mkdir(long_dir)
long_path = os.path.join(long_dir, "f" * (4000 - len(long_dir) - 1))
with open(long_path, "wb") as f:
    f.write(b"long")
many = {"long": [os.open(long_path, os.O_RDONLY) for _ in range(8)],
        "null": [os.dup(fds["devnull"]) for _ in range(150)]}

# I/O of known size: N bytes in 3 writes, M bytes in 2 reads
N, M = 12345, 4000
io = os.open(P("io.bin"), os.O_RDWR | os.O_CREAT, 0o600)
for chunk in (5000, 5000, 2345):
    assert os.write(io, b"w" * chunk) == chunk
os.lseek(io, 0, os.SEEK_SET)
assert len(os.read(io, 3000)) == 3000 and len(os.read(io, 1000)) == 1000
os.close(io)

inodes = {k: os.fstat(v).st_ino for k, v in fds.items()}
keep = [s]
blob = bytearray(b"m" * (3 << 20))  # some private dirty memory

def report(cmd):
    return {"fds": fds, "inodes": inodes, "many": many, "long_path": long_path,
            "N": N, "M": M, "writes": 3, "reads": 2}
"""

SECCOMP_FILTER_CHILD = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)

class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]

class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

prog_filter = (SockFilter * 1)(SockFilter(0x06, 0, 0, 0x7FFF0000))  # BPF_RET|BPF_K, ALLOW
prog = SockFprog(1, prog_filter)
assert libc.prctl(38, 1, 0, 0, 0) == 0, ctypes.get_errno()  # PR_SET_NO_NEW_PRIVS
assert libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0, ctypes.get_errno()  # FILTER
"""

THREAD_NAMES = ["worker-1", "w) 2 (x", "esc\x1b[0m", b"bad\xff tail".decode(errors=SE)]
MAIN_NAME = "smthreads"

THREADS_CHILD = """
import ctypes, json, os, sys, threading, time
names = json.loads(sys.argv[1])
libc = ctypes.CDLL(None)
libc.prctl(15, ctypes.c_char_p(sys.argv[2].encode()), 0, 0, 0)  # PR_SET_NAME
ev = threading.Event()
ready = []
lock = threading.Lock()

def run(name):
    tid = threading.get_native_id()
    with open(f"/proc/self/task/{tid}/comm", "wb") as f:
        f.write(name.encode("utf-8", "surrogateescape"))
    with lock:
        ready.append(tid)
    ev.wait()

ts = [threading.Thread(target=run, args=(n,), daemon=True) for n in names]
for t in ts:
    t.start()
while len(ready) < len(names):
    time.sleep(0.001)
threads = {t.native_id: n for t, n in zip(ts, names)}

def report(cmd):
    return {"threads": threads, "main": threading.get_native_id()}
"""

# A -> B -> {C1 -> D, C2}: forked children that pause until killed.  A
# reports every pid.  Each reaps its children as they die, so killing them
# bottom up (``end_tree``) leaves nothing for init to reap.
TREE_CHILD = """
import os, signal
r, w = os.pipe()

def reap(*a):
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass

signal.signal(signal.SIGCHLD, reap)

def fork(fn):
    pid = os.fork()
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    return pid

def pause():
    while True:
        signal.pause()

def c1():
    d = fork(pause)
    os.write(w, b"d %d\\n" % d)
    pause()

def b():
    c1_pid = fork(c1)
    c2_pid = fork(pause)
    os.write(w, b"c1 %d\\nc2 %d\\n" % (c1_pid, c2_pid))
    pause()

pids = {"a": os.getpid(), "b": fork(b)}
buf = b""
while len(pids) < 5:
    buf += os.read(r, 100)
    for line in buf.split(b"\\n"):
        if line:
            k, v = line.split()
            pids[k.decode()] = int(v)

def report(cmd):
    return pids
"""


def exec_with_raw_env(kids: Children, entries: list[bytes]) -> subprocess.Popen:
    """``sleep 600`` exec'd with exactly ``entries`` as its environment
    (through libc execve: entries without "=", repeated names, empty ones,
    which os.execve refuses)."""
    code = textwrap.dedent("""
        import ctypes, shutil, sys
        libc = ctypes.CDLL(None)
        entries = [bytes.fromhex(h) for h in sys.argv[1:]]
        envp = (ctypes.c_char_p * (len(entries) + 1))(*entries, None)
        sleep = shutil.which("sleep").encode()
        argv = (ctypes.c_char_p * 3)(b"sleep", b"600", None)
        libc.execve(sleep, argv, envp)
        raise SystemExit("execve failed")
    """)
    p = kids.spawn([sys.executable, "-c", code, *(e.hex() for e in entries)])
    # the new command line (and environment) is in place a little after comm
    wait_for(lambda: p.poll() is not None or read_cmdline(p.pid) == b"sleep\0" + b"600\0",
             what="execve of sleep")
    assert p.poll() is None, "the execve child failed"
    if entries:  # set up by the kernel right after the command line
        wait_for(lambda: read_environ_raw(p.pid), what="the environment")
    return p


__all__ = [
    "ENV_HARMLESS", "ENV_SECRETS", "FILES_CHILD", "MAIN_NAME", "SECCOMP_FILTER_CHILD",
    "SIGNAL_CHILD", "THREADS_CHILD", "THREAD_NAMES", "TREE_CHILD", "Kid", "capget",
    "capsh_decode", "cgroup_lines", "end_tree", "exec_with_raw_env", "is_kthread", "kill_session",
    "kv_kb", "read_bytes", "read_environ_raw", "read_fdinfo", "read_io", "sigmask_of",
    "sigset", "smaps_sums", "spawn_kid", "status_hex", "status_value", "wait_gone",
]
