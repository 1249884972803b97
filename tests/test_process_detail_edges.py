"""Edges of the one-process-in-depth API, on both backends: zombies, kernel
threads, processes of another user (asked by an unprivileged child), handles
on processes that exited and were reaped, closed handles, an environment no
dict can express (execve'd raw), seccomp strict mode, and a hand-made
/proc tree read through ``root=`` (links not followed out of it).
"""

from __future__ import annotations

import errno
import os
import pickle
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from helpers import Children, as_nobody, read_stat, wait_for  # noqa: E402
from process_detail_support import (  # noqa: E402
    SE,
    exec_with_raw_env,
    is_kthread,
    read_io,
    sigset,
    spawn_kid,
    status_hex,
    status_value,
)

import sysmon  # noqa: E402

# `backend` (parametrized "c" / "python") comes from tests/conftest.py

# every reader of a handle that takes no argument
METHODS = ("exe", "cwd", "root", "environ", "fds", "open_files", "io_counters", "rlimits",
           "cgroup", "namespaces", "num_ctx_switches", "capabilities", "no_new_privs",
           "seccomp", "umask", "signal_masks", "memory_detail", "threads", "parent",
           "children", "state")


@pytest.fixture(scope="module")
def kids():
    k = Children()
    try:
        yield k
    finally:
        k.close()


@pytest.fixture(scope="module")
def zombie(kids):
    return kids.fork_zombie()


@pytest.fixture(scope="module")
def root_sleeper(kids):
    return kids.sleeper().pid


@pytest.fixture(name="children")
def children_fixture():
    k = Children()
    try:
        yield k
    finally:
        k.close()


# --------------------------------------------------------------------------
# zombies


LEADER_EXITS = textwrap.dedent("""
    import ctypes, os, socket, sys, threading, time
    f = open(sys.argv[1])                 # held by the process, not the thread
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    threading.Thread(target=time.sleep, args=(300,)).start()
    print(os.getpid(), os.fstat(s.fileno()).st_ino, flush=True)
    ctypes.CDLL(None).pthread_exit(None)  # the main thread only
""")


def test_main_thread_exited_other_threads_run(backend, tmp_path):
    """After pthread_exit() in main, /proc/<pid>/stat says Z (ps: "Zl") and
    /proc/<pid> shows no exe, environment, files or memory, but the process
    runs on in its other thread: they are read through it, not reported as
    a zombie's."""
    held = tmp_path / "held.txt"
    held.write_text("x")
    env = {**os.environ, "SYSMON_LEADER_MARK": "here"}
    kid = subprocess.Popen([sys.executable, "-c", LEADER_EXITS, str(held)],
                           stdout=subprocess.PIPE, env=env)
    try:
        assert kid.stdout is not None
        pid, sock_inode = map(int, kid.stdout.readline().split())
        assert pid == kid.pid
        wait_for(lambda: read_stat(pid)[3] == "Z", what="the main thread to exit")
        assert read_stat(pid)[20] == 2  # num_threads: the sleeper and the zombie leader
        assert not os.path.exists(f"/proc/{pid}/exe")  # precondition: the leader's is gone
        with sysmon.Process(pid) as h:
            assert h.state() == "Z"
            assert h.exe().path == os.path.realpath(sys.executable)
            assert h.environ()["SYSMON_LEADER_MARK"] == "here"
            assert str(held) in {f.target for f in h.fds()}
            assert str(held) in {f.path for f in h.open_files()}
            assert h.memory_detail().rss > 0
            assert h.namespaces()["net"] == os.stat(f"/proc/{os.getpid()}/ns/net").st_ino
            assert h.cwd().path == os.getcwd()
            assert [(c.inode, c.status) for c in h.connections("tcp")] == [
                (sock_inode, "LISTEN")]
        out = subprocess.run([sys.executable, "-m", "sysmon.cli", "proc", str(pid)],
                             capture_output=True, text=True, timeout=60,
                             env={**os.environ, "SYSMON_BACKEND": backend})
        assert out.returncode == 0, out.stderr
        pairs = [ln.split(None, 1) for ln in out.stdout.splitlines()[:12]]
        shown = {kv[0]: kv[1] for kv in pairs if len(kv) == 2}
        assert shown["state"] == "Z (main thread exited; 1 other thread running)"
        assert shown["exe"] == os.path.realpath(sys.executable)
    finally:
        kid.kill()
        kid.wait()
        if kid.stdout is not None:
            kid.stdout.close()


def _exiting(pid: int) -> bool:
    """In do_exit but not yet a zombie: PF_EXITING (0x4) set, state not Z."""
    try:
        st = read_stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return False
    return st[3] != "Z" and bool(st[9] & 0x4)  # proc(5) fields 3 (state), 9 (flags)


EXITING_METHODS = ("exe", "environ", "memory_detail", "fds")
# what the window is sure to show as gone: memory (exit_mm) goes before files
MM_METHODS = ("exe", "environ", "memory_detail")


def test_exiting_process_is_not_a_kernel_thread(backend):
    """do_exit drops a process's memory and files before it is a zombie; with
    1 GiB to free that takes long enough to read it in between (state R, no
    exe, empty environ).  That is NoSuchProcess ("exiting"), never the kernel
    thread's None / {} / []."""
    code = textwrap.dedent("""
        import mmap, sys, time
        m = mmap.mmap(-1, 1 << 30)
        for i in range(0, len(m), 4096):
            m[i] = 1
        sys.stdout.write("ready\\n"); sys.stdout.flush()
        time.sleep(300)
    """)
    caught = dict.fromkeys(EXITING_METHODS, 0)
    for _attempt in range(4):
        kid = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        try:
            assert kid.stdout is not None and kid.stdout.readline() == b"ready\n"
            with sysmon.Process(kid.pid) as h:
                assert h.exe() is not None and h.environ()  # alive: it has both
                kid.send_signal(signal.SIGKILL)
                wait_for(lambda k=kid: _exiting(k.pid) or k.poll() is not None,
                         what="the kill to reach do_exit")
                while _exiting(kid.pid):
                    for m in EXITING_METHODS:
                        try:
                            got = getattr(h, m)()
                        except sysmon.NoSuchProcess as e:
                            got = e
                        if not _exiting(kid.pid):
                            break  # a zombie (or gone) by now: this call proves nothing
                        # what it still has (its files, or all of it before
                        # exit_mm), or NoSuchProcess: never "none"
                        assert got not in (None, {}, []), (m, got)
                        if isinstance(got, sysmon.NoSuchProcess):
                            assert type(got) is sysmon.NoSuchProcess, (m, got)
                            assert str(got) == f"process {kid.pid} is exiting"
                            caught[m] += 1
        finally:
            kid.kill()
            kid.wait()
            if kid.stdout is not None:
                kid.stdout.close()
        if all(caught[m] for m in MM_METHODS):
            break
    assert all(caught[m] for m in MM_METHODS), caught  # each was read in the window


def test_zombie(backend, zombie):
    with sysmon.Process(zombie) as h:
        assert h.state() == "Z"
        for m in ("exe", "cwd", "root", "environ", "fds", "open_files", "memory_detail",
                  "namespaces"):
            with pytest.raises(sysmon.ZombieProcess) as ei:
                getattr(h, m)()
            assert ei.value.pid == zombie, m
            assert isinstance(ei.value, sysmon.NoSuchProcess), m
            e2 = pickle.loads(pickle.dumps(ei.value))
            assert type(e2) is sysmon.ZombieProcess and e2.pid == zombie
        with pytest.raises(sysmon.ZombieProcess):
            h.environ(redact=False)
        io = h.io_counters()
        assert io == sysmon.IoCounters(*(read_io(zombie)[k] for k in sysmon.IoCounters._fields))
        # forked from us: our limits
        lim = h.rlimits()
        for name, v in lim.items():
            r = getattr(resource, f"RLIMIT_{name.upper()}", None)
            if r is not None:
                assert v == resource.getrlimit(r), name
        m = h.signal_masks()
        for field, key in (("pending", "SigPnd"), ("shared_pending", "ShdPnd"),
                           ("blocked", "SigBlk"), ("ignored", "SigIgn"), ("caught", "SigCgt")):
            mask = status_hex(zombie, key)
            assert getattr(m, field) == sigset(b + 1 for b in range(64) if mask >> b & 1)
        vol = int(status_value(zombie, "voluntary_ctxt_switches"))
        assert h.num_ctx_switches().voluntary == vol
        um = status_value(zombie, "Umask")  # a zombie has no fs_struct: no line
        assert h.umask() == (None if um is None else int(um, 8))
        assert h.capabilities().bounding  # readable
        assert h.seccomp() == "disabled"
        (t,) = h.threads()
        assert (t.tid, t.state) == (zombie, "Z")
        assert h.children() == []
        with h.parent() as mom:
            assert mom.pid == os.getpid()


# --------------------------------------------------------------------------
# kernel threads


def _a_kernel_thread() -> int:
    if is_kthread(2):
        return 2
    for n in os.listdir("/proc"):
        if n.isdigit() and is_kthread(int(n)):
            return int(n)
    pytest.skip("no kernel thread visible (a pid namespace)")


def test_kernel_thread(backend):
    pid = _a_kernel_thread()
    with sysmon.Process(pid) as h:
        assert h.exe() is None
        assert h.environ() == {} and h.environ(redact=False) == {}
        assert h.memory_detail() is None
        assert h.fds() == [] and h.open_files() == []
        assert h.cwd() == sysmon.LinkTarget("/", False)
        assert h.root() == sysmon.LinkTarget("/", False)
        ns = h.namespaces()
        assert ns["mnt"] == os.stat(f"/proc/{pid}/ns/mnt").st_ino
        (t,) = [t for t in h.threads() if t.tid == pid]
        assert t.name == read_stat(pid)["comm"].decode("utf-8", SE)
        if read_stat(pid)[4] == 0:  # kthreadd
            assert h.parent() is None
    with sysmon.Process(1) as init:
        assert init.parent() is None


# --------------------------------------------------------------------------
# another user's process, asked by an unprivileged one


_DENIED = ("environ", "exe", "cwd", "root", "fds", "open_files", "io_counters",
           "memory_detail", "namespaces")
_ALLOWED = ("rlimits", "cgroup", "num_ctx_switches", "capabilities", "signal_masks",
            "no_new_privs", "seccomp", "umask", "state")


def _as_nobody(target: int) -> dict:
    """As nobody, every method on ``target``: per method, "ok:<repr>" or
    "<ExceptionClass>:<pid>:<str>"."""
    def calls() -> dict[str, str]:
        out = {}
        with sysmon.Process(target) as h:
            for m in (*_DENIED, *_ALLOWED):
                try:
                    out[m] = "ok:" + repr(getattr(h, m)())
                except Exception as e:  # reported as text
                    out[m] = f"{type(e).__name__}:{getattr(e, 'pid', None)}:{e}"
        return out

    got = as_nobody(calls)
    assert isinstance(got, dict), got
    return got


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root (to become nobody)")
def test_other_users_process(backend, root_sleeper):
    got = _as_nobody(root_sleeper)
    for m in _DENIED:
        kind, pid, msg = got[m].split(":", 2)
        assert (kind, pid) == ("AccessDenied", str(root_sleeper)), (m, got[m])
        assert f"/proc/{root_sleeper}/" in msg, (m, msg)
    with sysmon.Process(root_sleeper) as h:
        for m in _ALLOWED:
            assert got[m] == "ok:" + repr(getattr(h, m)()), m


# --------------------------------------------------------------------------
# odd descriptors and links


_ODD_FDS = """
import os, sys
d = sys.argv[1]
a, b = os.path.join(d, "a"), os.path.join(d, "b")
with open(a, "wb") as f:
    f.write(b"x")
os.link(a, b)
linked = os.open(a, os.O_RDONLY)
os.unlink(a)  # the name it was opened by is gone; "b" still links the file
# a directory deeper than a path can say (d_path fails: ENAMETOOLONG)
fd = os.open(d, os.O_RDONLY)
for _ in range(20):
    os.mkdir("D" * 250, dir_fd=fd)
    nfd = os.open("D" * 250, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
deep = os.open("file", os.O_RDWR | os.O_CREAT, 0o600, dir_fd=fd)
os.write(deep, b"abc")
os.fchdir(fd)
os.close(fd)

def report(cmd):
    return {"linked": linked, "deep": deep, "a": a}
"""


@pytest.fixture(scope="module")
def odd_fds(kids, tmp_path_factory):
    return spawn_kid(kids, _ODD_FDS, str(tmp_path_factory.mktemp("odd")))


@pytest.fixture(scope="module")
def no_fds(kids):
    # Without CI's preloaded ASan runtime, which opens a file of its own at
    # start (it took fd 0 here).
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    return kids.spawn([shutil.which("sleep"), "600"],
                      preexec_fn=lambda: os.closerange(0, 3), env=env).pid


def test_fd_too_deep_to_name(backend, odd_fds):
    pid, deep = odd_fds.pid, odd_fds.report["deep"]
    with pytest.raises(OSError):
        os.readlink(f"/proc/{pid}/fd/{deep}")
    with sysmon.Process(pid) as h:
        fds = {f.fd: f for f in h.fds()}
        assert sorted(fds) == sorted(int(n) for n in os.listdir(f"/proc/{pid}/fd"))
        f = fds[deep]
        assert (f.kind, f.target, f.deleted, f.position, f.mode) == ("unknown", None, False, 3,
                                                                     "r+")
        assert f.inode == os.stat(f"/proc/{pid}/fd/{deep}").st_ino
        assert deep not in {o.fd for o in h.open_files()}
        with pytest.raises(sysmon.SysmonError):  # a sysmon error, not a bare OSError
            h.cwd()


def test_fd_unlinked_name_of_a_hard_linked_file(backend, odd_fds):
    pid, rep = odd_fds.pid, odd_fds.report
    assert os.readlink(f"/proc/{pid}/fd/{rep['linked']}") == rep["a"] + " (deleted)"
    assert not os.path.lexists(rep["a"] + " (deleted)")
    with sysmon.Process(pid) as h:
        (f,) = [f for f in h.fds() if f.fd == rep["linked"]]
    assert (f.target, f.deleted) == (rep["a"], True)


def test_process_without_fds(backend, no_fds):
    assert os.listdir(f"/proc/{no_fds}/fd") == []
    with sysmon.Process(no_fds) as h:
        assert h.fds() == []
        assert h.open_files() == []


# --------------------------------------------------------------------------
# gone and closed handles


def test_reaped_process_raises_no_such_process(backend, children):
    p = children.sleeper()
    h = sysmon.Process(p.pid)
    try:
        children.kill(p)
        for m in METHODS:
            with pytest.raises(sysmon.NoSuchProcess) as ei:
                getattr(h, m)()
            assert type(ei.value) is sysmon.NoSuchProcess, m
            assert ei.value.pid == p.pid, m
        with pytest.raises(sysmon.NoSuchProcess):
            h.environ(redact=False)
        with pytest.raises(sysmon.NoSuchProcess):
            h.children(recursive=True)
    finally:
        h.close()


def test_closed_handle_raises_value_error(backend, root_sleeper):
    h = sysmon.Process(root_sleeper)
    h.close()
    h.close()  # idempotent
    for m in METHODS:
        with pytest.raises(ValueError):
            getattr(h, m)()
    with pytest.raises(ValueError):
        h.children(recursive=True)


# --------------------------------------------------------------------------
# environments no dict can express


_RAW_ENV = [b"NOEQ", b"DUP=first", b"DUP=second", b"", b"=emptyname", b"A=b=c",
            b"TOKEN_NOEQ", b"X=\xff\xfe", b"LAST="]


@pytest.fixture(scope="module")
def raw_env(kids):
    return exec_with_raw_env(kids, _RAW_ENV), exec_with_raw_env(kids, [])


def test_raw_environment(backend, raw_env):
    entries = _RAW_ENV
    p = raw_env[0]
    with open(f"/proc/{p.pid}/environ", "rb") as f:
        assert f.read() == b"".join(e + b"\0" for e in entries)
    want = {"NOEQ": "", "DUP": "first", "": "emptyname", "A": "b=c", "TOKEN_NOEQ": "",
            "X": b"\xff\xfe".decode("utf-8", SE), "LAST": ""}
    with sysmon.Process(p.pid) as h:
        assert h.environ(redact=False) == want
        assert h.environ() == {**want, "TOKEN_NOEQ": sysmon.REDACTED}


def test_empty_environment(backend, raw_env):
    p = raw_env[1]
    with sysmon.Process(p.pid) as h:
        assert h.environ() == {}


# --------------------------------------------------------------------------
# seccomp strict mode


_STRICT = textwrap.dedent("""
    import ctypes, sys
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(1)
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    libc.prctl(22, 1, 0, 0, 0)  # PR_SET_SECCOMP, SECCOMP_MODE_STRICT
    libc.read(0, buf, 1)  # read(2) is allowed: blocks until killed
""")


@pytest.fixture(scope="module")
def strict(kids):
    p = kids.spawn([sys.executable, "-c", _STRICT], stdin=subprocess.PIPE,
                   stdout=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    wait_for(lambda: p.poll() is not None or status_value(p.pid, "Seccomp") == "1",
             what="strict mode")
    return p


def test_seccomp_strict(backend, strict):
    p = strict
    assert p.poll() is None, "the strict-mode child died"
    with sysmon.Process(p.pid) as h:
        assert h.seccomp() == "strict"


# --------------------------------------------------------------------------
# a hand-made tree under root=


def _stat(pid: int, comm: str, state: str = "S", flags: int = 0x400100, start: int = 5000,
          threads: int = 1) -> str:
    # fields 3..24, then 25..52 zero
    head = [state, 1, pid, pid, 0, -1, flags, 10, 0, 0, 0, 5, 3, 0, 0, 20, 0, threads, 0,
            start, 8192000, 300]
    return f"{pid} ({comm}) " + " ".join(map(str, head + [0] * 28)) + "\n"


def _status(pid: int, name: str, extra: str = "") -> str:
    return (f"Name:\t{name}\nUmask:\t0027\nState:\tS (sleeping)\nTgid:\t{pid}\nNgid:\t0\n"
            f"Pid:\t{pid}\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
            f"FDSize:\t64\nGroups:\t\nThreads:\t1\n{extra}")


_STATUS_EXTRA = (
    "SigQ:\t0/1000\nSigPnd:\t0000000000000001\nShdPnd:\t0000000800000000\n"
    "SigBlk:\t0000000000000200\nSigIgn:\t0000000000001000\nSigCgt:\t0000000000004002\n"
    "CapInh:\t0000000000000000\nCapPrm:\t0000000000000021\nCapEff:\t0000000000000001\n"
    "CapBnd:\t0000040000000021\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n"
    "Seccomp_filters:\t1\nvoluntary_ctxt_switches:\t152\nnonvoluntary_ctxt_switches:\t7\n"
)

_LIMITS = [("Max cpu time", "unlimited", "unlimited", "seconds"),
           ("Max open files", "123", "456", "files"),
           ("Max core file size", "0", "unlimited", "bytes"),
           ("Max nice priority", "0", "0", ""),
           ("Max future thing", "5", "6", "")]

_FDS = {  # fd -> (link text, fdinfo flags (octal text), pos, expected kind, target, deleted)
    0: ("/dev/null", "0100000", 0, "device", "/dev/null", False),
    1: ("/x", "02002", 5, "file", "/x", False),
    2: ("socket:[1]", "02", 0, "socket", "socket:[1]", False),
    3: ("pipe:[77]", "01", 0, "pipe", "pipe:[77]", False),
    4: ("/tmp/gone (deleted)", "0100002", 9, "file", "/tmp/gone", True),
    5: ("anon_inode:[eventfd]", "02", 0, "anon_inode", "anon_inode:[eventfd]", False),
    6: ("net:[4026531840]", "0", 0, "namespace", "net:[4026531840]", False),
    7: ("/etc", "0200000", 0, "file", "/etc", False),  # a real directory: not followed
    8: ("relative", "0", 0, "other", "relative", False),
}


def _make_tree(base: Path) -> Path:
    proc = base / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 0 0 0 0 0 0 0 0 0 0\nbtime 1700000000\n")
    d = proc / "4242"
    d.mkdir()
    (d / "stat").write_text(_stat(4242, "fixt", threads=2))
    (d / "status").write_text(_status(4242, "fixt", _STATUS_EXTRA))
    (d / "cmdline").write_bytes(b"fixt\0")
    (d / "environ").write_bytes(b"A=1\0API_TOKEN=s3cr3t\0BAD=\xff\0NOEQ\0\0DUP=1\0DUP=2\0")
    (d / "limits").write_text(
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        + "".join(f"{n:<26}{s:<21}{h:<21}{u:<10}\n" for n, s, h, u in _LIMITS))
    (d / "cgroup").write_bytes(b"2:cpu,cpuacct:/\n1:name=systemd:/sd\n4:memory:\n"
                               b"0::/a b:c\xff\n")
    (d / "io").write_text("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\n"
                          "write_bytes: 6\ncancelled_write_bytes: 7\n")
    (d / "smaps_rollup").write_text(
        "55b094e83000-7ffc4eec8000 ---p 00000000 00:00 0                          [rollup]\n"
        "Rss:                1640 kB\nPss:                 402 kB\nPss_Dirty:  112 kB\n"
        "Pss_Anon:            112 kB\nPss_File:            290 kB\nPss_Shmem:  0 kB\n"
        "Shared_Clean:       1436 kB\nShared_Dirty:          0 kB\n"
        "Private_Clean:        92 kB\nPrivate_Dirty:       112 kB\n"
        "Referenced:         1640 kB\nAnonymous:           112 kB\nLazyFree: 0 kB\n"
        "Swap:                  8 kB\nSwapPss:               4 kB\nLocked:  0 kB\n")
    os.symlink("/usr/bin/fixt (deleted)", d / "exe")
    os.symlink("/home/u", d / "cwd")
    os.symlink("/", d / "root")
    (d / "ns").mkdir()
    for t, ino in (("net", 4026531840), ("uts", 4026531838), ("pid", 4026531836)):
        os.symlink(f"{t}:[{ino}]", d / "ns" / t)
    (d / "fd").mkdir()
    (d / "fdinfo").mkdir()
    for fd, (link, flags, pos, *_rest) in _FDS.items():
        os.symlink(link, d / "fd" / str(fd))
        (d / "fdinfo" / str(fd)).write_text(
            f"pos:\t{pos}\nflags:\t{flags}\nmnt_id:\t{25 + fd}\nino:\t{1000 + fd}\n")
    (d / "task").mkdir()
    for tid, comm in ((4242, "fixt"), (4243, "fixt-worker")):
        (d / "task" / str(tid)).mkdir()
        (d / "task" / str(tid) / "stat").write_text(_stat(tid, comm))
    # a kernel thread: no exe, empty environ and smaps_rollup, no fds
    k = proc / "4400"
    k.mkdir()
    (k / "stat").write_text(_stat(4400, "kworker/0:1", flags=0x04208040, start=30))
    (k / "status").write_text(_status(4400, "kworker/0:1"))
    (k / "environ").write_bytes(b"")
    (k / "smaps_rollup").write_bytes(b"")
    (k / "fd").mkdir()
    os.symlink("/", k / "cwd")
    return base


def test_fixture_tree(backend, tmp_path):
    root = _make_tree(tmp_path)
    with sysmon.Process(4242, root=root) as h:
        assert h.exe() == sysmon.LinkTarget("/usr/bin/fixt", True)
        assert str(h.exe()) == "/usr/bin/fixt (deleted)"
        assert h.cwd() == sysmon.LinkTarget("/home/u", False)
        assert h.root() == sysmon.LinkTarget("/", False)
        env = {"A": "1", "API_TOKEN": "s3cr3t", "BAD": "\udcff", "NOEQ": "", "DUP": "1"}
        assert h.environ(redact=False) == env
        assert h.environ() == {**env, "API_TOKEN": sysmon.REDACTED}
        inf = resource.RLIM_INFINITY
        assert h.rlimits() == {"cpu": (inf, inf), "nofile": (123, 456), "core": (0, inf),
                               "nice": (0, 0), "future_thing": (5, 6)}
        assert h.cgroup() == sysmon.CgroupInfo(
            "/a b:c\udcff", {"cpu,cpuacct": "/", "name=systemd": "/sd", "memory": ""})
        assert h.io_counters() == sysmon.IoCounters(1, 2, 3, 4, 5, 6, 7)
        k = 1024
        assert h.memory_detail() == sysmon.MemoryDetail(
            rss=1640 * k, pss=402 * k, pss_anon=112 * k, pss_file=290 * k, pss_shmem=0,
            shared=1436 * k, private=204 * k, shared_clean=1436 * k, shared_dirty=0,
            private_clean=92 * k, private_dirty=112 * k, referenced=1640 * k,
            anonymous=112 * k, locked=0, swap=8 * k, swap_pss=4 * k)
        assert h.namespaces() == {"net": 4026531840, "uts": 4026531838, "pid": 4026531836}
        assert h.num_ctx_switches() == sysmon.CtxSwitches(152, 7)
        assert h.capabilities() == sysmon.Capabilities(
            frozenset({"CAP_CHOWN"}), frozenset({"CAP_CHOWN", "CAP_KILL"}), frozenset(),
            frozenset({"CAP_CHOWN", "CAP_KILL", "CAP_42"}), frozenset())
        assert h.no_new_privs() is True
        assert h.seccomp() == "filter"
        assert h.umask() == 0o027
        assert h.signal_masks() == sysmon.SignalMasks(
            frozenset({signal.SIGHUP}), frozenset({36}), frozenset({signal.SIGUSR1}),
            frozenset({signal.SIGPIPE}), frozenset({signal.SIGINT, signal.SIGTERM}))
        got = h.fds()
        assert [f.fd for f in got] == sorted(_FDS)
        for f in got:
            _link, flags, pos, kind, target, deleted = _FDS[f.fd]
            assert (f.kind, f.target, f.deleted, f.position, f.flags, f.mnt_id, f.inode) == \
                (kind, target, deleted, pos, int(flags, 8), 25 + f.fd, 1000 + f.fd), f
        assert [(o.fd, o.path, o.deleted, o.mode) for o in h.open_files()] == \
            [(1, "/x", False, "a+"), (4, "/tmp/gone", True, "r+"), (7, "/etc", False, "r")]
        assert [(t.tid, t.name) for t in h.threads()] == [(4242, "fixt"), (4243, "fixt-worker")]
    with sysmon.Process(4400, root=root) as k:
        assert k.exe() is None
        assert k.environ() == {}
        assert k.memory_detail() is None
        assert k.fds() == [] and k.open_files() == []
        assert k.cwd() == sysmon.LinkTarget("/", False)
        assert k.root() is None
        # files and lines this "kernel" lacks
        assert k.io_counters() == sysmon.IoCounters(*(None,) * 7)
        assert k.rlimits() == {}
        assert k.cgroup() == sysmon.CgroupInfo(None, {})
        assert k.namespaces() == {}
        assert k.capabilities() == sysmon.Capabilities(*(frozenset(),) * 4, None)
        assert k.no_new_privs() is None and k.seccomp() is None
        assert k.num_ctx_switches() == sysmon.CtxSwitches(None, None)
        assert k.signal_masks() == sysmon.SignalMasks(*(frozenset(),) * 5)
        assert k.umask() == 0o027
        # no task directory in this tree: the error names it, not the held
        # descriptor it was read through
        with pytest.raises(sysmon.SysmonError) as e:
            k.threads()
        assert type(e.value) is sysmon.SysmonError
        assert str(e.value) == f"cannot read {root}/proc/4400/task: {os.strerror(errno.ENOENT)}"


_CHAIN = 300  # processes; deeper than the recursion headroom the test leaves


@pytest.fixture(scope="module")
def chain_root(tmp_path_factory):
    """A tree holding one chain of processes, each the parent of the next
    (as a fork chain or a deep pipeline of shells makes)."""
    root = tmp_path_factory.mktemp("chain")
    proc = root / "proc"
    proc.mkdir()
    (proc / "stat").write_text("cpu 0 0 0 0 0 0 0 0 0 0\nbtime 1700000000\n")
    first = 1000
    for pid in range(first, first + _CHAIN):
        (proc / str(pid)).mkdir()
        line = _stat(pid, "chain", start=pid).replace(
            "(chain) S 1 ", f"(chain) S {pid - 1 if pid > first else 0} ", 1)
        (proc / str(pid) / "stat").write_text(line)
    return root, first, _CHAIN


def test_process_tree_of_a_deep_chain(backend, chain_root):
    """A chain deeper than the recursion limit: here the limit is lowered to
    100 frames above the test (plenty for a non-recursive scan), so that a
    short chain stands for one of over 1000 processes."""
    root, first, n = chain_root
    depth, f = 0, sys._getframe()
    while f is not None:
        depth, f = depth + 1, f.f_back
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)
    try:
        roots = sysmon.process_tree(("ppid",), root=root)
    finally:
        sys.setrecursionlimit(old)
    assert [r.info.pid for r in roots] == [first]
    assert [(d, p.pid) for d, p in roots[0].walk()] == [(i, first + i) for i in range(n)]


_MALFORMED = [  # (file, content, method)
    ("limits", "Limit Soft Hard Units\nMax open files lots 4 files\n", "rlimits"),
    ("smaps_rollup", "Rss: lots kB\n", "memory_detail"),
    ("cgroup", "garbage\n", "cgroup"),
    ("io", "rchar: x\n", "io_counters"),
    ("status", _status(4242, "fixt", "CapEff:\tzz\n"), "capabilities"),
    ("status", _status(4242, "fixt", "SigBlk:\t-1\n"), "signal_masks"),
]


@pytest.mark.parametrize(("name", "content", "method"), _MALFORMED)
def test_fixture_malformed_file(backend, tmp_path, name, content, method):
    root = _make_tree(tmp_path)
    (root / "proc" / "4242" / name).write_text(content)
    with sysmon.Process(4242, root=root) as h, pytest.raises(sysmon.ParseError):
        getattr(h, method)()


def test_parse_error_names_the_file(backend, tmp_path):
    root = _make_tree(tmp_path)
    (root / "proc" / "4242" / "limits").write_text(_MALFORMED[0][1])
    with sysmon.Process(4242, root=root) as h, pytest.raises(sysmon.ParseError) as ei:
        h.rlimits()
    assert ei.value.path == f"{root}/proc/4242/limits"


def test_fixture_odd_files(backend, tmp_path):
    root = _make_tree(tmp_path)
    d = root / "proc" / "4242"
    (d / "smaps_rollup").write_text("Rss: 10 kB\nPss: 5 kB\n")  # an older kernel
    (d / "fdinfo" / "1").write_text("pos:\tabc\nflags:\t02\n")  # malformed: row kept
    os.unlink(d / "ns" / "net")
    os.symlink("garbage", d / "ns" / "net")
    with sysmon.Process(4242, root=root) as h:
        md = h.memory_detail()
        assert (md.rss, md.pss) == (10240, 5120)
        assert md._replace(rss=None, pss=None) == sysmon.MemoryDetail(*(None,) * 16)
        (f,) = [f for f in h.fds() if f.fd == 1]
        assert f == sysmon.FdInfo(1, "file", "/x", False, None, None, None, None, None)
        with pytest.raises(sysmon.ParseError):
            h.namespaces()


def test_fixture_task_link_is_not_followed(backend, tmp_path):
    """A tree's task/ that is a link leading out of the root is not read: not
    for threads(), not for reading a process whose main thread has exited
    (a zombie with threads) through one of its threads."""
    (tmp_path / "root").mkdir()
    root = _make_tree(tmp_path / "root")
    d = root / "proc" / "4242"
    (d / "stat").write_text(_stat(4242, "fixt", state="Z", threads=2))
    (d / "environ").unlink()
    outside = tmp_path / "outside"
    (outside / "77").mkdir(parents=True)
    (outside / "77" / "stat").write_text(_stat(77, "leak"))
    (outside / "77" / "environ").write_bytes(b"OUTSIDE_ROOT_FILE=leaked\0")
    shutil.rmtree(d / "task")
    os.symlink(outside, d / "task")
    with sysmon.Process(4242, root=root) as h:
        with pytest.raises(sysmon.ZombieProcess):
            h.environ()
        with pytest.raises(sysmon.SysmonError, match="task"):
            h.threads()
