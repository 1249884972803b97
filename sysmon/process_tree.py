"""The process tree: every process under its parent, from one scan."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from sysmon.process import ProcessInfo, processes


class TreeNode(NamedTuple):
    """A process and its children (by pid)."""

    info: ProcessInfo
    children: tuple[TreeNode, ...]

    def walk(self, depth: int = 0) -> Iterator[tuple[int, ProcessInfo]]:
        """(depth, process) for this node and every descendant, depth first
        in pid order (the order of ``ps -ef --forest``)."""
        stack: list[tuple[int, TreeNode]] = [(depth, self)]
        while stack:
            d, node = stack.pop()
            yield d, node.info
            stack.extend((d + 1, c) for c in reversed(node.children))


def process_tree(
    fields: Iterable[str] | None = None, root: str | os.PathLike[str] | None = None
) -> list[TreeNode]:
    """Every process (``fields`` as for :func:`sysmon.processes`) arranged
    under its parent: the roots (pid 1, kthreadd, and any process whose
    parent is not visible), by pid.  A process is under its ppid only if
    that process started no later than it did; otherwise its parent exited
    and the pid was reused, and it is a root.  From one scan, so the tree is
    consistent with itself."""
    want = None if fields is None else {*fields, "ppid", "start_ticks"}
    table = processes(want, root)
    by_pid = {p.pid: p for p in table}
    kids: dict[int, list[ProcessInfo]] = {}
    roots: list[ProcessInfo] = []
    for p in table:
        parent = by_pid.get(p.ppid) if p.ppid else None
        if (parent is None or parent.pid == p.pid or parent.start_ticks is None
                or p.start_ticks is None or parent.start_ticks > p.start_ticks):
            roots.append(p)
        else:
            kids.setdefault(parent.pid, []).append(p)

    # Built without recursion (any user can make a chain of thousands of
    # processes).  Equal start ticks could make a cycle in a hand-made tree:
    # a process is placed once, and whatever a cycle leaves unplaced becomes
    # a root.
    placed: set[int] = set()

    def build(top: ProcessInfo) -> TreeNode:
        placed.add(top.pid)
        # Post-order over an explicit stack: a node is made once its children are.
        order: list[tuple[ProcessInfo, list[ProcessInfo]]] = []
        stack = [top]
        while stack:
            p = stack.pop()
            mine = [c for c in kids.get(p.pid, ()) if c.pid not in placed]
            placed.update(c.pid for c in mine)
            order.append((p, mine))
            stack.extend(mine)
        made: dict[int, TreeNode] = {}
        for p, mine in reversed(order):
            made[p.pid] = TreeNode(p, tuple(made.pop(c.pid) for c in mine))
        return made[top.pid]

    nodes = [build(p) for p in roots]
    for p in table:
        if p.pid not in placed:
            nodes.append(build(p))
    return nodes


__all__ = ["TreeNode", "process_tree"]
