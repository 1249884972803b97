"""Registry entries for one process in depth (part of sysmon.fields): the
records of sysmon.process_records and sysmon.process (threads), each field
with the /proc/<pid> file it comes from.  Scopes: exe, environ, fd, io,
ctx_switches, capabilities, status, signal_masks, memory_detail, rlimit,
cgroup, namespace, thread; and process_sample (ProcessSampler's CPU%) and
top (sysmon top's MEM%)."""

from __future__ import annotations

from sysmon.fields_system import Spec

_P = "/proc/<pid>"
_ROLLUP = f"{_P}/smaps_rollup"
_STATUS = f"{_P}/status"
_SURR = "decoded with surrogateescape (lossless)"


def _links() -> list[Spec]:
    out = []
    for name, what in (("exe", "the executable"), ("cwd", "the working directory"),
                       ("root", "the root directory (chroot)")):
        out.append(Spec(f"{name}.path", "str", "path", f"readlink {_P}/{name}",
                        f"{_SURR}; the kernel's ' (deleted)' suffix removed when deleted",
                        what))
        out.append(Spec(f"{name}.deleted", "bool", "flag",
                        f"readlink {_P}/{name} and stat of the file it leads to",
                        "the link ends in ' (deleted)' and the open file has no links left "
                        "(st_nlink 0); outside the live /proc the suffix alone decides",
                        f"{what} was removed after the process opened it"))
    return out


def _fd() -> list[Spec]:
    f = "fd"
    info = f"{_P}/fdinfo/<fd>"
    return [
        Spec(f"{f}.fd", "int", "fd number", f"the name of {_P}/fd/<fd>", "as is",
             "the file descriptor"),
        Spec(f"{f}.kind", "str", "kind",
             f"readlink {_P}/fd/<fd>; st_mode of the open file (stat following the link)",
             "socket:[...], pipe:[...], anon_inode:... and <ns>:[...] by the link text; "
             "otherwise file, directory, device, fifo, socket or symlink by st_mode; outside "
             "the live /proc (links not followed) /dev/... is a device and other paths files",
             "what the descriptor refers to"),
        Spec(f"{f}.target", "str | None", "path", f"readlink {_P}/fd/<fd>",
             f"{_SURR}; None when the link cannot be read", "the path or kernel object name"),
        Spec(f"{f}.deleted", "bool", "flag", f"readlink {_P}/fd/<fd> and st_nlink",
             "as exe.deleted", "the open file was removed"),
        Spec(f"{f}.position", "int | None", "bytes", f"{info} pos:", "as is",
             "the file offset"),
        Spec(f"{f}.flags", "int | None", "open(2) flags", f"{info} flags: (octal)",
             "as is (compare with os.O_*)", "the open file's status flags"),
        Spec(f"{f}.mode", "str | None", "mode", f"{info} flags:",
             "O_ACCMODE and O_APPEND as psutil's letters: r, w, a, r+, a+",
             "how the file is open"),
        Spec(f"{f}.mnt_id", "int | None", "id", f"{info} mnt_id:", "as is",
             "the mount the file is on (/proc/<pid>/mountinfo field 1)"),
        Spec(f"{f}.inode", "int | None", "inode", f"{info} ino:", "as is (Linux 5.14+)",
             "the open file's inode number"),
    ]


_IO = (
    ("rchar", "bytes", "bytes passed to read(2) and similar (cache hits included)"),
    ("wchar", "bytes", "bytes passed to write(2) and similar"),
    ("syscr", "count", "read system calls"),
    ("syscw", "count", "write system calls"),
    ("read_bytes", "bytes", "bytes this process caused to be fetched from storage"),
    ("write_bytes", "bytes", "bytes this process caused to be sent to storage"),
    ("cancelled_write_bytes", "bytes", "written bytes whose writeback was cancelled "
     "(a truncated dirty page cache)"),
)

_ROLLUP_FIELDS = (
    ("rss", "Rss", "resident memory"),
    ("pss", "Pss", "proportional set size: each shared page divided among its users"),
    ("pss_anon", "Pss_Anon", "the anonymous part of pss (Linux 5.8+)"),
    ("pss_file", "Pss_File", "the file-backed part of pss (Linux 5.8+)"),
    ("pss_shmem", "Pss_Shmem", "the shmem part of pss (Linux 5.8+)"),
    ("shared_clean", "Shared_Clean", "clean pages shared with other processes"),
    ("shared_dirty", "Shared_Dirty", "dirty pages shared with other processes"),
    ("private_clean", "Private_Clean", "clean pages only this process maps"),
    ("private_dirty", "Private_Dirty", "dirty pages only this process maps"),
    ("referenced", "Referenced", "pages recently accessed"),
    ("anonymous", "Anonymous", "pages not backed by a file"),
    ("locked", "Locked", "pages locked in memory (mlock)"),
    ("swap", "Swap", "anonymous memory swapped out"),
    ("swap_pss", "SwapPss", "proportional share of swapped-out memory"),
)

_SIGMASKS = (
    ("pending", "SigPnd", "signals pending for the thread read"),
    ("shared_pending", "ShdPnd", "signals pending for the whole process"),
    ("blocked", "SigBlk", "signals blocked (masked)"),
    ("ignored", "SigIgn", "signals ignored (SIG_IGN)"),
    ("caught", "SigCgt", "signals with a handler"),
)

_CAPS = (
    ("effective", "CapEff", "capabilities the kernel checks"),
    ("permitted", "CapPrm", "capabilities the process may make effective"),
    ("inheritable", "CapInh", "capabilities kept across execve for capable files"),
    ("bounding", "CapBnd", "the limit on capabilities gained at execve"),
    ("ambient", "CapAmb", "capabilities kept across execve of unprivileged programs "
     "(None before Linux 4.3)"),
)


def _counters() -> list[Spec]:
    out = [Spec(f"io.{k}", "int | None", unit, f"{_P}/io {k}:", "as is", what)
           for k, unit, what in _IO]
    out += [Spec(f"memory_detail.{k}", "int | None", "bytes", f"{_ROLLUP} {key}: (kB)",
                 "kB * 1024", what) for k, key, what in _ROLLUP_FIELDS]
    out += [
        Spec("memory_detail.shared", "int | None", "bytes",
             f"{_ROLLUP} Shared_Clean: + Shared_Dirty: (kB)", "sum * 1024",
             "resident pages shared with other processes"),
        Spec("memory_detail.private", "int | None", "bytes",
             f"{_ROLLUP} Private_Clean: + Private_Dirty: (kB)", "sum * 1024",
             "unique set size (USS): what exiting would free"),
        Spec("ctx_switches.voluntary", "int | None", "count",
             f"{_STATUS} voluntary_ctxt_switches:", "as is",
             "times the process gave up the CPU (waiting for something)"),
        Spec("ctx_switches.involuntary", "int | None", "count",
             f"{_STATUS} nonvoluntary_ctxt_switches:", "as is",
             "times the scheduler took the CPU away"),
    ]
    out += [Spec(f"capabilities.{k}", "frozenset[str]", "capability names",
                 f"{_STATUS} {key}: (hex mask)",
                 "bit n is capability n of linux/capability.h (CAP_CHOWN = 0 ...); "
                 "bits newer than sysmon's table as CAP_<n>", what)
            for k, key, what in _CAPS]
    out += [Spec(f"signal_masks.{k}", "frozenset[signal.Signals | int]", "signals",
                 f"{_STATUS} {key}: (hex mask)",
                 "bit n-1 is signal n; real-time signals the enum does not name as int", what)
            for k, key, what in _SIGMASKS]
    out += [
        Spec("status.no_new_privs", "bool | None", "flag", f"{_STATUS} NoNewPrivs:",
             "1 -> True (None before Linux 4.10)", "execve cannot grant privileges"),
        Spec("status.seccomp", "str | None", "mode", f"{_STATUS} Seccomp:",
             "0 disabled, 1 strict, 2 filter", "the seccomp mode"),
        Spec("status.umask", "int | None", "mode bits", f"{_STATUS} Umask: (octal)",
             "as is (Linux 4.7+)", "the file mode creation mask"),
    ]
    return out


def _settings() -> list[Spec]:
    return [
        Spec("environ.value", "str", "text", f"{_P}/environ",
             f"NUL-separated NAME=value entries, {_SURR}; environ() keeps the first value "
             "of a repeated name (getenv's), environ_entries() and sysmon env every entry; "
             "values of names containing PASSWORD, PASSWD, SECRET, TOKEN, KEY, "
             "CREDENTIAL, AUTH, COOKIE, SESSION or PRIVATE shown as <redacted> unless asked",
             "the environment the process was started with"),
        Spec("rlimit.soft", "int", "resource units", f"{_P}/limits Soft Limit column",
             "'unlimited' -> resource.RLIM_INFINITY; keyed by resource name "
             "('Max open files' -> nofile)", "the limit enforced"),
        Spec("rlimit.hard", "int", "resource units", f"{_P}/limits Hard Limit column",
             "as rlimit.soft", "the ceiling the soft limit may be raised to"),
        Spec("cgroup.path", "str | None", "path", f"{_P}/cgroup line 0::<path>",
             f"{_SURR}", "the cgroup v2 (unified) path"),
        Spec("cgroup.v1", "dict[str, str]", "paths", f"{_P}/cgroup lines <id>:<ctl>:<path>",
             "keyed by the controller list as printed", "each cgroup v1 hierarchy's path"),
        Spec("namespace.id", "int", "inode", f"readlink {_P}/ns/<type> (type:[inode])",
             "the inode number", "the namespace's id; equal ids, same namespace"),
        Spec("thread.tid", "int", "id", f"the {_P}/task/<tid> directory name", "as is",
             "thread id"),
        Spec("thread.name", "str", "text", f"{_P}/task/<tid>/stat field 2 (comm)",
             _SURR, "thread name"),
        Spec("thread.state", "str", "code", f"{_P}/task/<tid>/stat field 3", "as is",
             "thread state letter"),
        Spec("thread.cpu_user", "float", "seconds", f"{_P}/task/<tid>/stat field 14",
             "utime / SC_CLK_TCK", "the thread's user-mode CPU time"),
        Spec("thread.cpu_system", "float", "seconds", f"{_P}/task/<tid>/stat field 15",
             "stime / SC_CLK_TCK", "the thread's kernel-mode CPU time"),
    ]


def _rates() -> list[Spec]:
    """Numbers derived from the process table by a sampler or by the UI."""
    return [
        Spec("process_sample.cpu_percent", "float | None", "percent",
             f"{_P}/stat fields 14 + 15 (utime + stime) of two samples, clock ticks",
             "(cpu_time now - cpu_time before) / seconds between the samples * 100, "
             "matched by (pid, start time); None on a process's first sample or when the "
             "clock did not move",
             "CPU use over the sampling interval; 100 = one CPU busy (top's %CPU)"),
        Spec("top.mem_percent", "float | None", "percent",
             f"{_P}/status VmRSS: (kB), and /proc/meminfo MemTotal",
             "rss / memory.total * 100; None when either is unavailable",
             "the share of RAM the process holds resident (sysmon top's MEM%)"),
    ]


PID_SPECS: tuple[Spec, ...] = (*_links(), *_fd(), *_counters(), *_settings(), *_rates())
PID_SCOPES = frozenset(s.name.split(".", 1)[0] for s in PID_SPECS)
