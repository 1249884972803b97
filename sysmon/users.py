"""Users, as the process table names them: <root>/etc/passwd.

The same cached map serves the ``username`` field, so a name shown by
``sysmon ps`` and a name accepted by ``--user`` always agree.  (Full users,
groups and sessions come in a later issue.)
"""

from __future__ import annotations

import os

from sysmon._host import passwd_path, resolve_root, user_ids, user_names


def uid_to_name(root: str | os.PathLike[str] | None = None) -> dict[int, str]:
    """uid -> user name from <root>/etc/passwd (first entry wins; reloaded when
    the file changes).  A copy: changing it changes nothing in sysmon."""
    return dict(user_names(resolve_root(root)))


def uid_of(name: str, root: str | os.PathLike[str] | None = None) -> int | None:
    """The uid of a user name in <root>/etc/passwd, or None."""
    return user_ids(resolve_root(root)).get(name)


def passwd_file(root: str | os.PathLike[str] | None = None) -> str:
    """The passwd file sysmon reads for this root (argument, $SYSMON_ROOT, /)."""
    return passwd_path(resolve_root(root))


__all__ = ["passwd_file", "uid_of", "uid_to_name"]
