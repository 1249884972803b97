"""Live tests of the one-process-in-depth API (sysmon/process_detail.py, and
threads/parent/children/process_tree), on both backends.

Each child is set up by the test in a known way (its environment, signal
dispositions, open files, limits, namespaces, capabilities, threads,
descendants) and reports what it did; sysmon's answers must equal that
ground truth exactly, and agree with independent tools (ps, prlimit, capsh,
setpriv, psutil) and with small readers of /proc written in the support
module.  Children are shared per module and killed and reaped at teardown.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from helpers import Children, wait_exec, wait_for  # noqa: E402
from process_detail_support import (  # noqa: E402
    ENV_HARMLESS,
    ENV_SECRETS,
    FILES_CHILD,
    MAIN_NAME,
    SE,
    SECCOMP_FILTER_CHILD,
    SIGNAL_CHILD,
    THREAD_NAMES,
    THREADS_CHILD,
    TREE_CHILD,
    capget,
    capsh_decode,
    cgroup_lines,
    end_tree,
    kv_kb,
    read_bytes,
    read_environ_raw,
    read_fdinfo,
    read_io,
    sigmask_of,
    sigset,
    smaps_sums,
    spawn_kid,
    status_hex,
    status_value,
)

import sysmon  # noqa: E402

# `backend` (parametrized "c" / "python") comes from tests/conftest.py

SLEEP = shutil.which("sleep")


def needs(*tools: str, root: bool = False):
    """Skip unless these programs exist (and, with root, unless we are root)."""
    missing = [t for t in tools if shutil.which(t) is None]
    if root and os.geteuid() != 0:
        missing.append("root")
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}")


def run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout


# --------------------------------------------------------------------------
# children, one of each kind per module


@pytest.fixture(scope="module")
def kids():
    k = Children()
    try:
        yield k
    finally:
        k.close()


@pytest.fixture(scope="module")
def env_child(kids):
    env = {**ENV_SECRETS, **ENV_HARMLESS}
    p = kids.spawn([SLEEP, "600"], env=env)
    wait_for(lambda: read_environ_raw(p.pid), what="the environment to be in place")
    return p.pid, env


@pytest.fixture(scope="module")
def sig_kid(kids):
    k = spawn_kid(kids, SIGNAL_CHILD)
    os.kill(k.pid, signal.SIGUSR1)  # blocked there: stays pending, process-wide
    k.report = wait_for(lambda: (r := k.ask()) and signal.SIGUSR1 in r["pending"] and r,
                        what="SIGUSR1 to be pending")
    return k


@pytest.fixture(scope="module")
def files_kid(kids, tmp_path_factory):
    d = tmp_path_factory.mktemp("detail")
    k = spawn_kid(kids, FILES_CHILD, str(d))
    k.dir = str(d)
    k.stop()  # nothing moves: counters, memory, positions
    return k


@pytest.fixture(scope="module")
def limits_child(kids):
    def pre():
        resource.setrlimit(resource.RLIMIT_NOFILE, (123, 456))
        resource.setrlimit(resource.RLIMIT_CORE,
                           (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        os.umask(0o027)

    # Without the ASan runtime CI preloads: it sets RLIMIT_CORE's soft limit
    # to 0 when a program starts (its disable_coredump default).
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    return kids.spawn([SLEEP, "600"], preexec_fn=pre, env=env).pid


@pytest.fixture(scope="module")
def ns_child(kids):
    p = kids.spawn(["unshare", "--net", "--uts", SLEEP, "600"])
    wait_exec(p.pid, b"sleep")
    return p.pid


@pytest.fixture(scope="module")
def caps_child(kids):
    p = kids.spawn(["setpriv", "--bounding-set=-all,+chown,+kill", "--no-new-privs",
                    SLEEP, "600"])
    wait_exec(p.pid, b"sleep")
    return p.pid


@pytest.fixture(scope="module")
def seccomp_kid(kids):
    return spawn_kid(kids, SECCOMP_FILTER_CHILD)


@pytest.fixture(scope="module")
def threads_kid(kids):
    return spawn_kid(kids, THREADS_CHILD, json.dumps(THREAD_NAMES), MAIN_NAME)


@pytest.fixture(scope="module")
def tree_kid(kids):
    k = spawn_kid(kids, TREE_CHILD, start_new_session=True)
    try:
        yield k
    finally:
        end_tree(k)


@pytest.fixture(scope="module")
def links(kids, tmp_path_factory):
    """Three children: one whose program file and working directory were
    removed, one whose program is really named "... (deleted)", and a
    python chrooted into a directory."""
    d = tmp_path_factory.mktemp("links")
    (d / "wd").mkdir()
    shutil.copy(SLEEP, d / "sl")
    shutil.copy(SLEEP, d / "x (deleted)")
    gone = kids.spawn([str(d / "sl"), "600"], cwd=d / "wd")
    wait_exec(gone.pid, b"sl")
    os.unlink(d / "sl")
    os.rmdir(d / "wd")
    named = kids.spawn([str(d / "x (deleted)"), "600"], cwd="/")
    wait_exec(named.pid, b"x (deleted)")
    jail = d / "jail"
    jail.mkdir()
    chrooted = spawn_kid(kids, "import os, sys\nos.chroot(sys.argv[1])\nos.chdir('/')\n",
                         str(jail))
    return d, gone.pid, named.pid, chrooted.pid


@needs(root=True)  # chroot
def test_exe_cwd_root_links(backend, links):
    d, gone, named, chrooted = links
    with sysmon.Process(gone) as h:
        assert h.exe() == sysmon.LinkTarget(str(d / "sl"), True)
        assert h.cwd() == sysmon.LinkTarget(str(d / "wd"), True)
        assert h.root() == sysmon.LinkTarget("/", False)
    assert psutil.Process(gone).exe() == str(d / "sl")
    with sysmon.Process(named) as h:
        assert h.exe() == sysmon.LinkTarget(str(d / "x (deleted)"), False)
        assert h.cwd() == sysmon.LinkTarget("/", False)
    with sysmon.Process(chrooted) as h:
        assert h.root() == sysmon.LinkTarget(str(d / "jail"), False)
        assert h.cwd() == sysmon.LinkTarget(str(d / "jail"), False)
        assert h.exe() == sysmon.LinkTarget(os.path.realpath(sys.executable), False)
    with sysmon.Process(os.getpid()) as h:
        assert h.exe() == sysmon.LinkTarget(os.readlink("/proc/self/exe"), False)
        assert h.cwd() == sysmon.LinkTarget(os.getcwd(), False)


# --------------------------------------------------------------------------
# environment


def test_environ_is_exactly_what_the_child_got(backend, env_child):
    pid, env = env_child
    want = {k.decode("utf-8", SE): v.decode("utf-8", SE) for k, v in env.items()}
    # the test's own reading of the file agrees with what was passed
    raw = read_environ_raw(pid)
    assert sorted(raw.rstrip(b"\0").split(b"\0")) == sorted(k + b"=" + v for k, v in env.items())
    with sysmon.Process(pid) as h:
        assert h.environ(redact=False) == want
        redacted = h.environ()
        assert h.environ(redact=True) == redacted
    secrets = {k.decode("utf-8", SE) for k in ENV_SECRETS}
    assert redacted == {k: sysmon.REDACTED if k in secrets else v for k, v in want.items()}
    # the arranged names are the ones the rule calls secret, and no others
    assert {k for k in want if sysmon.is_secret_key(k)} == secrets
    assert {k for k in want
            if any(p in k.upper() for p in sysmon.SECRET_KEY_PARTS)} == secrets


# --------------------------------------------------------------------------
# signals


@needs("ps")
def test_signal_masks_match_the_child(backend, sig_kid):
    rep = sig_kid.report
    rt2 = rep["rtmin"] + 2
    with sysmon.Process(sig_kid.pid) as h:
        m = h.signal_masks()
    assert isinstance(m, sysmon.SignalMasks)
    # thread-directed (pthread_kill) vs process-wide (kill) pending
    assert m.pending == sigset([rt2])
    assert m.shared_pending == {signal.SIGUSR1}
    assert m.pending | m.shared_pending == sigset(rep["pending"])
    assert m.blocked == sigset(rep["blocked"])
    unknown = sigset(rep["unknown"])  # none where the raw system call is known
    assert m.ignored - unknown == sigset(rep["ignored"])
    assert m.caught - unknown == sigset(rep["caught"])
    # what the test arranged, spelled out (python itself ignores SIGPIPE and
    # SIGXFSZ and catches SIGINT)
    assert {signal.SIGUSR1, rt2} <= m.blocked
    assert rt2 in m.blocked and not isinstance(rt2, signal.Signals)
    assert {signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE, signal.SIGXFSZ} <= m.ignored
    assert {signal.SIGUSR2, signal.SIGTERM, signal.SIGINT} <= m.caught
    assert not m.ignored & m.caught
    # the kernel's masks, read independently, and ps's view of them
    assert sigmask_of(m.pending) == status_hex(sig_kid.pid, "SigPnd")
    assert sigmask_of(m.shared_pending) == status_hex(sig_kid.pid, "ShdPnd")
    ps = run(["ps", "-o", "pending=,blocked=,ignored=,caught=", "-p", str(sig_kid.pid)]).split()
    assert [int(x, 16) for x in ps] == [sigmask_of(s) for s in
                                        (m.shared_pending, m.blocked, m.ignored, m.caught)]


# --------------------------------------------------------------------------
# files


def _expected_fds(k) -> dict[int, tuple]:
    """fd -> (kind, target, deleted, position, mode) for what the child opened."""
    d, ino = k.dir, k.report["inodes"]
    f = k.report["fds"]
    odd = (os.fsencode(d) + b"/bad\xff \x1b[0m\nname").decode("utf-8", SE)
    want = {
        "append": ("file", f"{d}/data.txt", False, 7, "a+"),
        "read": ("file", f"{d}/data.txt", False, 3, "r"),
        "write": ("file", f"{d}/w.txt", False, 5, "w"),
        "deleted": ("file", f"{d}/gone.txt", True, 2, "r+"),
        "fake_deleted": ("file", f"{d}/x (deleted)", False, 0, "r"),
        "odd_name": ("file", odd, False, 0, "r+"),
        "pipe_r": ("pipe", f"pipe:[{ino['pipe_r']}]", False, 0, "r"),
        "pipe_w": ("pipe", f"pipe:[{ino['pipe_w']}]", False, 0, "w"),
        "socket": ("socket", f"socket:[{ino['socket']}]", False, 0, "r+"),
        "devnull": ("device", "/dev/null", False, 0, "w"),
        "dir": ("directory", d, False, 0, "r"),
        "fifo": ("fifo", f"{d}/fifo", False, 0, "r+"),
        "eventfd": ("anon_inode", "anon_inode:[eventfd]", False, 0, "r+"),
        "netns": ("namespace", f"net:[{ino['netns']}]", False, 0, "r"),
        "append_w": ("file", f"{d}/data.txt", False, 0, "a"),
    }
    out = {f[role]: v for role, v in want.items()}
    many = k.report["many"]
    out.update(dict.fromkeys(many["long"], ("file", k.report["long_path"], False, 0, "r")))
    out.update(dict.fromkeys(many["null"], ("device", "/dev/null", False, 0, "w")))
    return out


def _mode_of(flags: int) -> str:
    acc, app = flags & 3, bool(flags & os.O_APPEND)
    return {0: "r", 1: "a" if app else "w", 2: "a+" if app else "r+"}[acc]


def test_fds_match_what_the_child_opened(backend, files_kid):
    pid = files_kid.pid
    with sysmon.Process(pid) as h:
        got = h.fds()
    assert [f.fd for f in got] == sorted(int(n) for n in os.listdir(f"/proc/{pid}/fd"))
    by_fd = {f.fd: f for f in got}
    for fd, (kind, target, deleted, pos, mode) in _expected_fds(files_kid).items():
        f = by_fd[fd]
        assert (f.kind, f.target, f.deleted, f.position, f.mode) == \
            (kind, target, deleted, pos, mode), f
    # every fd, the arranged ones and python's own, against /proc read directly
    for f in got:
        path = f"/proc/{pid}/fd/{f.fd}"
        link = os.readlink(path)
        st = os.stat(path)
        gone = link.endswith(" (deleted)") and st.st_nlink == 0
        assert f.target == (link[: -len(" (deleted)")] if gone else link), f
        assert f.deleted == gone, f
        info = read_fdinfo(pid, f.fd)
        assert (f.position, f.flags, f.mnt_id, f.inode) == \
            (info["pos"], info["flags"], info["mnt_id"], info["ino"]), f
        assert f.mode == _mode_of(info["flags"]), f
        if stat.S_ISREG(st.st_mode) and link.startswith("/"):  # (nsfs files are S_IFREG)
            assert f.kind == "file", f
        elif link.startswith("pipe:["):
            assert f.kind == "pipe", f


def test_open_files_are_exactly_the_regular_files(backend, files_kid):
    pid = files_kid.pid
    with sysmon.Process(pid) as h:
        got = h.open_files()
        fds = h.fds()
    regular = sorted(int(n) for n in os.listdir(f"/proc/{pid}/fd")
                     if stat.S_ISREG(os.stat(f"/proc/{pid}/fd/{n}").st_mode)
                     and os.readlink(f"/proc/{pid}/fd/{n}").startswith("/"))
    assert [o.fd for o in got] == regular
    assert got == [sysmon.OpenFile(f.target, f.fd, f.position, f.mode, f.flags, f.deleted)
                   for f in fds if f.fd in regular]
    # psutil leaves deleted files out; the rest must agree field for field
    ps = sorted(psutil.Process(pid).open_files(), key=lambda o: o.fd)
    assert [(o.path, o.fd, o.position, o.mode, o.flags) for o in ps] == \
        [(o.path, o.fd, o.position, o.mode, o.flags) for o in got if not o.deleted]
    assert sum(o.deleted for o in got) == 1


def test_io_counters_of_a_stopped_child(backend, files_kid):
    pid, rep = files_kid.pid, files_kid.report
    with sysmon.Process(pid) as h:
        got = h.io_counters()
    mine = read_io(pid)
    assert got == sysmon.IoCounters(*(mine[k] for k in sysmon.IoCounters._fields))
    ps = psutil.Process(pid).io_counters()
    assert (got.rchar, got.wchar, got.syscr, got.syscw, got.read_bytes, got.write_bytes) == \
        (ps.read_chars, ps.write_chars, ps.read_count, ps.write_count, ps.read_bytes,
         ps.write_bytes)
    assert got.wchar >= rep["N"] and got.syscw >= rep["writes"]
    assert got.rchar >= rep["M"] and got.syscr >= rep["reads"]


# pss-like values: smaps_rollup sums them unrounded, smaps rounds each VMA down
_ROLLUP = {"rss": "Rss", "pss": "Pss", "pss_anon": "Pss_Anon", "pss_file": "Pss_File",
           "pss_shmem": "Pss_Shmem", "shared_clean": "Shared_Clean",
           "shared_dirty": "Shared_Dirty", "private_clean": "Private_Clean",
           "private_dirty": "Private_Dirty", "referenced": "Referenced",
           "anonymous": "Anonymous", "locked": "Locked", "swap": "Swap",
           "swap_pss": "SwapPss"}
_PSS_LIKE = {"pss", "pss_anon", "pss_file", "pss_shmem", "swap_pss", "locked"}


def test_memory_detail_of_a_stopped_child(backend, files_kid):
    pid = files_kid.pid
    rollup_path = f"/proc/{pid}/smaps_rollup"

    def from_rollup(kv):
        return {f: kv[k] * 1024 for f, k in _ROLLUP.items()}

    with sysmon.Process(pid) as h:
        # pss of shared files moves whenever any other process maps or unmaps
        # them (other tests start processes all the time): take a reading
        # where the file held still around both sysmon's read and smaps'.
        for _ in range(100):
            before = kv_kb(read_bytes(rollup_path))
            got = h.memory_detail()
            sums, vmas = smaps_sums(pid)
            after = kv_kb(read_bytes(rollup_path))
            if before == after and from_rollup(before) == {f: getattr(got, f) for f in _ROLLUP}:
                break
        else:
            pytest.fail(f"no stable reading: {got} vs {before}")
    assert isinstance(got, sysmon.MemoryDetail)
    for field, key in _ROLLUP.items():
        assert getattr(got, field) == before[key] * 1024, field
        if key not in sums:  # Pss_Anon, Pss_File, Pss_Shmem: only in the rollup
            assert field in _PSS_LIKE, field
        elif field in _PSS_LIKE:
            assert 0 <= before[key] - sums[key] <= vmas, field
        else:
            assert getattr(got, field) == sums[key] * 1024, field
    assert got.shared == (before["Shared_Clean"] + before["Shared_Dirty"]) * 1024
    assert got.private == got.private_clean + got.private_dirty
    assert got.pss > 0
    assert got.private_dirty >= 3 << 20  # the child's 3 MiB bytearray


# --------------------------------------------------------------------------
# limits, umask, cgroups, namespaces


@needs("prlimit")
def test_rlimits_match_prlimit(backend, limits_child):
    pid = limits_child
    with sysmon.Process(pid) as h:
        got = h.rlimits()
        assert h.umask() == 0o027 == int(status_value(pid, "Umask"), 8)
    assert got["nofile"] == (123, 456)
    assert got["core"] == (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    assert set(got) == {"cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile",
                        "memlock", "as", "locks", "sigpending", "msgqueue", "nice",
                        "rtprio", "rttime"}
    tool = {}
    for line in run(["prlimit", "--pid", str(pid), "--raw", "--noheadings",
                     "--output=RESOURCE,SOFT,HARD"]).splitlines():
        name, soft, hard = line.split()
        tool[name.lower()] = tuple(resource.RLIM_INFINITY if v == "unlimited" else int(v)
                                   for v in (soft, hard))
    assert got == tool
    for name, limits in got.items():
        r = getattr(resource, f"RLIMIT_{name.upper()}", None)
        if r is not None:  # python has no RLIMIT_LOCKS
            assert limits == resource.prlimit(pid, r), name


def _cgroup_expected(pid):
    lines = cgroup_lines(pid)
    unified = next((p for h, c, p in lines if h == 0 and c == ""), None)
    return sysmon.CgroupInfo(unified, {c: p for h, c, p in lines if not (h == 0 and c == "")})


@needs("ps")
def test_cgroup_matches_the_file_and_ps(backend, env_child):
    for pid in (os.getpid(), env_child[0], 1):
        with sysmon.Process(pid) as h:
            assert h.cgroup() == _cgroup_expected(pid)
        # ps prints the lines that do not end in "/", joined by ","
        want = ",".join(f"{h}:{c}:{p}" for h, c, p in cgroup_lines(pid) if not p.endswith("/"))
        assert run(["ps", "-o", "cgroup=", "-p", str(pid)]).strip() == (want or "-")


@needs("unshare", root=True)
def test_namespaces_of_an_unshared_child(backend, ns_child):
    with sysmon.Process(ns_child) as h:
        theirs = h.namespaces()
    with sysmon.Process(os.getpid()) as h:
        ours = h.namespaces()
    kinds = set(os.listdir("/proc/self/ns"))
    assert set(theirs) == set(ours) == kinds
    for pid, got in ((ns_child, theirs), (os.getpid(), ours)):
        for t, ino in got.items():
            assert ino == os.stat(f"/proc/{pid}/ns/{t}").st_ino, (pid, t)
    assert theirs["net"] != ours["net"] and theirs["uts"] != ours["uts"]
    for t in ("pid", "mnt", "ipc", "user", "cgroup"):
        assert theirs[t] == ours[t], t


# --------------------------------------------------------------------------
# privileges


@needs("setpriv", "capsh", root=True)
def test_capabilities_of_a_setpriv_child(backend, caps_child):
    pid = caps_child
    with sysmon.Process(pid) as h:
        caps = h.capabilities()
        assert h.no_new_privs() is True
        assert h.seccomp() == "disabled"
    assert caps.bounding == {"CAP_CHOWN", "CAP_KILL"}
    k = capget(pid)
    assert caps.effective == capsh_decode(k["effective"])
    assert caps.permitted == capsh_decode(k["permitted"])
    assert caps.inheritable == capsh_decode(k["inheritable"])
    assert caps.effective <= caps.bounding
    assert caps.ambient == capsh_decode(status_hex(pid, "CapAmb"))


@needs("setpriv", "capsh")
def test_capabilities_of_this_process(backend):
    with sysmon.Process(os.getpid()) as h:
        caps = h.capabilities()
        assert h.no_new_privs() is (status_value("self", "NoNewPrivs") == "1")
    k = capget(os.getpid())
    assert caps.effective == capsh_decode(k["effective"])
    assert caps.permitted == capsh_decode(k["permitted"])
    assert caps.inheritable == capsh_decode(k["inheritable"])
    assert caps.ambient == capsh_decode(status_hex("self", "CapAmb"))
    # setpriv, started by us, keeps our bounding set; it names them itself
    dump = run(["setpriv", "--dump"])
    line = next(x for x in dump.splitlines() if x.startswith("Capability bounding set:"))
    names = line.partition(":")[2].strip()
    want = set() if names == "[none]" else {f"CAP_{n.upper()}" for n in names.split(",")}
    assert caps.bounding == want


def test_seccomp_filter_and_disabled(backend, seccomp_kid, env_child):
    with sysmon.Process(seccomp_kid.pid) as h:
        assert h.seccomp() == "filter"
        assert h.no_new_privs() is True
    with sysmon.Process(env_child[0]) as h:
        assert h.seccomp() == "disabled"
        assert h.no_new_privs() is False


# --------------------------------------------------------------------------
# threads and family


@needs("ps")
def test_threads_named_by_the_child(backend, threads_kid):
    pid, rep = threads_kid.pid, threads_kid.report
    with sysmon.Process(pid) as h:
        got = h.threads()
    tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    ps = sorted(int(t) for t in run(["ps", "-L", "-o", "lwp=", "-p", str(pid)]).split())
    assert [t.tid for t in got] == tids == ps
    assert len(tids) == 1 + len(THREAD_NAMES)
    names = {rep["main"]: MAIN_NAME, **{int(t): n for t, n in rep["threads"].items()}}
    assert {t.tid: t.name for t in got} == names
    for t in got:  # a thread may still be on its way into its wait
        assert t.state in ("R", "S"), t


@needs("ps")
def test_parent_children_and_tree(backend, tree_kid):
    p = tree_kid.report
    a, b, c1, c2, d = (p[k] for k in ("a", "b", "c1", "c2", "d"))
    with sysmon.Process(a) as h:
        kids = h.children()
        assert [k.pid for k in kids] == [b]
        desc = h.children(recursive=True)
        assert [k.pid for k in desc] == sorted([b, c1, c2, d])
        with h.parent() as mom, sysmon.Process(os.getpid()) as me:
            assert mom == me
    with sysmon.Process(c1) as h, h.parent() as mom, mom.parent() as grandma:
        assert mom == kids[0]
        assert grandma.pid == a
        assert [k.pid for k in h.children()] == [d]
    with sysmon.Process(d) as h:
        assert h.children(recursive=True) == []
    for k in (*kids, *desc):
        k.close()

    # ps's view of the subtree
    ppid_of = {}
    for line in run(["ps", "-e", "-o", "pid=,ppid="]).splitlines():
        pid, ppid = map(int, line.split())
        ppid_of[pid] = ppid
    sub, todo = set(), [a]
    while todo:
        x = todo.pop()
        for pid, ppid in ppid_of.items():
            if ppid == x and pid not in sub:
                sub.add(pid)
                todo.append(pid)
    assert sub == {b, c1, c2, d}

    def shape(node):
        return (node.info.pid, tuple(shape(c) for c in node.children))

    found = []
    stack = sysmon.process_tree(("ppid",))
    while stack:
        n = stack.pop()
        if n.info.pid == a:
            found.append(n)
        stack.extend(n.children)
    assert len(found) == 1
    assert shape(found[0]) == (a, ((b, ((c1, ((d, ()),)), (c2, ()))),))
    for _depth, info in found[0].walk():
        assert info.ppid == ppid_of[info.pid]


# --------------------------------------------------------------------------
# both backends, side by side


# (file-backed pss moves whenever another process maps or unmaps the same
# files, stopped or not: compared in test_memory_detail_of_a_stopped_child)
_STABLE = ("exe", "cwd", "root", "environ", "fds", "open_files", "rlimits", "cgroup",
           "namespaces", "capabilities", "no_new_privs", "seccomp", "umask",
           "signal_masks")
_STOPPED_ONLY = ("io_counters", "num_ctx_switches", "threads")


@needs("unshare", "setpriv", root=True)
def test_backends_agree_on_every_method(env_child, sig_kid, files_kid, limits_child,
                                        ns_child, caps_child, threads_kid):
    prev = sysmon.backend()
    try:
        sysmon.set_backend("c")
    except sysmon.SysmonError:
        if os.environ.get("SYSMON_REQUIRE_NATIVE") == "1":
            raise
        pytest.skip("C backend unavailable")
    try:
        cases = [(pid, _STABLE) for pid in (env_child[0], sig_kid.pid, limits_child,
                                            ns_child, caps_child, threads_kid.pid)]
        cases.append((files_kid.pid, _STABLE + _STOPPED_ONLY))
        for pid, methods in cases:
            seen = {}
            for be in ("c", "python"):
                sysmon.set_backend(be)
                with sysmon.Process(pid) as h:
                    seen[be] = {m: getattr(h, m)() for m in methods}
                    seen[be]["environ_raw"] = h.environ(redact=False)
                    if "threads" in methods:
                        md = h.memory_detail()
                        seen[be]["memory"] = md._replace(
                            **{f: None for f in md._fields if f.startswith("pss")
                               or f in ("swap_pss", "locked")})
            assert seen["c"] == seen["python"], pid
    finally:
        sysmon.set_backend(prev)
