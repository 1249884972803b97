"""Facts about the host under a root, shared by both backends.

Paths under the root, clock ticks and page size, and the uid to user-name
map from <root>/etc/passwd (cached, reloaded when the file changes).
"""

from __future__ import annotations

import os
import threading

from sysmon.errors import SysmonError

CLK_TCK: int = os.sysconf("SC_CLK_TCK")
PAGE_SIZE: int = os.sysconf("SC_PAGE_SIZE")


def resolve_root(root: str | os.PathLike[str] | None) -> str:
    """The filesystem root: the argument, else $SYSMON_ROOT (unless empty),
    else "/".  An empty argument is an error, not the current directory."""
    if root is None:
        root = os.environ.get("SYSMON_ROOT") or "/"
    path = os.fspath(root)
    if not path:
        raise SysmonError("the root is an empty path: give a directory (/ for this machine)")
    return path


def proc_path(root: str) -> str:
    return os.path.join(root, "proc")


def is_live(root: str) -> bool:
    """Whether ``root`` names this process's own root however it is spelled
    ("/", "//", "/.", "/proc/.."): then /proc/self and this process's
    namespaces are the ones to read, not <root>/proc/1's.  Lexically: a path
    through a link is another root, even one that resolves to "/" (a
    container's /proc/<pid>/root reads as "/" and is not ours)."""
    return os.path.normpath(root).strip("/") == ""


def self_pid_at(proc: str) -> int | None:
    """This process's pid as the procfs ``proc`` numbers it (its "self"
    link); None when it does not show this process (a fixture tree)."""
    try:
        text = os.readlink(os.path.join(proc, "self"))
    except OSError:
        return None
    return int(text) if text.isascii() and text.isdigit() else None


def own_pid_namespace(proc: str) -> bool:
    """Whether ``proc`` is a procfs of this process's pid namespace: its
    "self" is our pid.  Not so for a fixture tree, nor for a host's /proc
    seen from a container or after ``unshare --pid`` without a new mount,
    whose pid numbers are not the ones kill(), setpriority() and
    pidfd_open() take here."""
    return self_pid_at(proc) == os.getpid()


def open_proc_dir(path: str) -> int:
    """An O_DIRECTORY fd on <root>/proc; SysmonError when it cannot be read."""
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as e:
        raise SysmonError(f"cannot read {path}: {os.strerror(e.errno or 0)}") from None


_lock = threading.Lock()


class _Passwd:
    """uid -> name from one passwd file, reloaded when its identity changes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sig: tuple[int, int, int, int] | None = None
        self.names: dict[int, str] = {}
        self.uids: dict[str, int] = {}

    def refresh(self) -> _Passwd:
        try:
            st = os.stat(self.path)
        except OSError:
            if self.sig is not None:  # (still none: the same empty maps, for memos)
                self.sig, self.names, self.uids = None, {}, {}
            return self
        sig = (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns)
        if sig != self.sig:
            self.names, self.uids = _parse_passwd(self.path)
            self.sig = sig
        return self


def _parse_passwd(path: str) -> tuple[dict[int, str], dict[str, int]]:
    """uid -> name and name -> uid, the first entry winning, like getpwuid."""
    names: dict[int, str] = {}
    uids: dict[str, int] = {}
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return names, uids
    for line in data.split(b"\n"):
        parts = line.split(b":")
        if len(parts) < 3 or not parts[0] or line.startswith((b"#", b"+", b"-")):
            continue
        try:
            uid = int(parts[2])
        except ValueError:
            continue
        name = parts[0].decode("utf-8", "surrogateescape")
        names.setdefault(uid, name)
        uids.setdefault(name, uid)
    return names, uids


_passwd: dict[str, _Passwd] = {}


def passwd_path(root: str) -> str:
    return os.path.join(root, "etc", "passwd")


def _passwd_for(root: str) -> _Passwd:
    path = passwd_path(root)
    with _lock:
        p = _passwd.get(path)
        if p is None:
            p = _passwd[path] = _Passwd(path)
        return p.refresh()


def user_names(root: str) -> dict[int, str]:
    """The uid -> user name map of <root>/etc/passwd (first entry wins)."""
    return _passwd_for(root).names


def user_ids(root: str) -> dict[str, int]:
    """The user name -> uid map of <root>/etc/passwd (first entry wins)."""
    return _passwd_for(root).uids
