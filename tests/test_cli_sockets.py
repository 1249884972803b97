"""``sysmon ports`` and ``sysmon connections`` against a child holding a known
set of sockets (connections_live_support.py): in this process through
sysmon.cli.main (both backends), and as a real program (``python -m
sysmon.cli``).  Ground truth is the child's own report; the JSON output is
also compared with the API.  The child's unix datagram socket named with an
ESC sequence and a newline must reach a table only escaped, one row, and
JSON exactly."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_support import assert_one_error_line, assert_terminal_safe, run  # noqa: E402
from connections_live_support import (  # noqa: E402
    CHILD_NAME,
    EVIL_BASENAME,
    KIND_TABLES,
    SocketChild,
    listens,
)

import sysmon  # noqa: E402
import sysmon.cli  # noqa: E402

NETID = {"tcp4": "tcp", "tcp6": "tcp6", "udp4": "udp", "udp6": "udp6"}
TREE = str(Path(__file__).resolve().parent / "fixtures" / "netroot")


@pytest.fixture(scope="module")
def child() -> Iterator[SocketChild]:
    with SocketChild(8) as c:
        yield c


def main_out(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    rc = sysmon.cli.main(list(args))
    captured = capsys.readouterr()
    assert (rc, captured.err) == (0, "")
    return captured.out


def main_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    out = main_out(capsys, *args, "--json")
    assert out.isascii() and out.count("\n") == 1
    obj = json.loads(out)
    assert list(obj) == ["connections"]
    conns: list[dict[str, Any]] = obj["connections"]
    return conns


def main_error(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    rc = sysmon.cli.main(list(args))
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.count("\n") == 1 and err.startswith("sysmon: error: "), err
    assert "Traceback" not in err
    return rc, err


def shown(end: Any) -> str:
    """How ss (and sysmon's table) shows an end: [::1]:80, 127.0.0.1:80, *."""
    if end is None:
        return "*"
    if isinstance(end, list):
        ip, port = end
        return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    return "@" + end[1:] if end.startswith("\0") else (end or "*")


def inet_rows(text: str, ncols: int) -> list[list[str]]:
    """Table rows of ncols blank-free cells (inet rows with every cell filled)."""
    lines = text.splitlines()
    return [ln.split() for ln in lines[1:] if len(ln.split()) == ncols]


def as_json(c: sysmon.Connection) -> dict[str, Any]:
    """An API record as the documented JSON object (written here, not the CLI's)."""
    def end(a: Any) -> Any:
        return {"ip": a.ip, "port": a.port} if isinstance(a, sysmon.Addr) else a
    return {"fd": c.fd, "family": c.family.name, "type": c.type.name, "laddr": end(c.laddr),
            "raddr": end(c.raddr), "status": c.status, "uid": c.uid, "inode": c.inode,
            "rx_queue": c.rx_queue, "tx_queue": c.tx_queue, "pid": c.pid, "name": c.name,
            "peer": c.peer, "tcp_info": None}


def by_key(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(objs, key=lambda o: (o["inode"], o["pid"] or 0, o["fd"] or 0))


# --------------------------------------------------------------------------
# sysmon ports


def test_ports_shows_the_childs_listeners(capsys, child: SocketChild, backend: str) -> None:
    out = main_out(capsys, "ports", "--backend", backend)
    assert out.splitlines()[0].split() == [
        "NETID", "STATE", "RECV-Q", "SEND-Q", "LOCAL", "PID", "FD", "PROCESS"]
    got = {(r[0], r[1], r[4], int(r[5]), int(r[6]), r[7])
           for r in inet_rows(out, 8) if r[5] == str(child.pid)}
    want = {(NETID[s["kind"]], s["status"], shown(s["laddr"]), child.pid, s["fd"], CHILD_NAME)
            for s in child.sockets if s["listening"] and s["kind"] != "unix"}
    assert got == want
    assert len(want) == 5  # 3 TCP listeners, 2 bound UDP sockets


def test_ports_kind_all_has_unix_listeners(capsys, child: SocketChild, backend: str) -> None:
    out = main_out(capsys, "ports", "--kind", "all", "--pid", str(child.pid), "--backend",
                   backend)
    lines = out.splitlines()[1:]
    assert len(lines) == sum(1 for s in child.sockets if listens(s, "netlink"))
    for role in ("unix-listen", "abstract-listen", "dgram-space"):
        s = child.by_role(role)
        row = [ln for ln in lines if shown(s["laddr"]) in ln]
        assert len(row) == 1, role
        assert row[0].split()[0] == ("u_str" if s["type"] == socket.SOCK_STREAM else "u_dgr")
        assert row[0].endswith(f" {child.pid} {s['fd']} {CHILD_NAME}"), row


@pytest.mark.parametrize("source", ["netlink", "proc"])
def test_ports_json_matches_api(capsys, child: SocketChild, backend: str, source: str) -> None:
    objs = main_json(capsys, "ports", "--kind", "all", "--pid", str(child.pid), "--source",
                     source, "--backend", backend)
    api = sysmon.listening("all", pid=child.pid, source=source)
    assert by_key(objs) == by_key([as_json(c) for c in api])
    listening = {s["inode"]: s for s in child.sockets if listens(s, source)}
    assert {o["inode"] for o in objs} == set(listening)
    for o in objs:
        s = listening[o["inode"]]
        laddr = {"ip": s["laddr"][0], "port": s["laddr"][1]} if s["kind"] != "unix" else (
            s["laddr"])
        assert (o["laddr"], o["pid"], o["fd"], o["name"], o["status"]) == (
            laddr, child.pid, s["fd"], CHILD_NAME, s["status"])
        assert set(o) == set(sysmon.Connection._fields)


# --------------------------------------------------------------------------
# sysmon connections


def test_connections_table(capsys, child: SocketChild, backend: str) -> None:
    out = main_out(capsys, "connections", "--pid", str(child.pid), "--backend", backend)
    assert out.splitlines()[0].split() == [
        "NETID", "STATE", "RECV-Q", "SEND-Q", "LOCAL", "PEER", "PID", "FD", "PROCESS"]
    rows = out.splitlines()[1:]
    inet = [s for s in child.sockets if s["kind"] != "unix"]
    assert len(rows) == len(inet)
    got = {(r[0], r[1], r[4], r[5], int(r[6]), int(r[7]), r[8]) for r in inet_rows(out, 9)}
    want = {(NETID[s["kind"]], s["status"], shown(s["laddr"]), shown(s["raddr"]), child.pid,
             s["fd"], CHILD_NAME) for s in inet}
    assert got == want


@pytest.mark.parametrize("source", ["netlink", "proc"])
def test_connections_json_matches_api(capsys, child: SocketChild, backend: str,
                                      source: str) -> None:
    objs = main_json(capsys, "connections", "--kind", "all", "--pid", str(child.pid),
                     "--source", source, "--backend", backend)
    api = sysmon.connections("all", pid=child.pid, source=source)
    assert by_key(objs) == by_key([as_json(c) for c in api])
    assert sorted(o["inode"] for o in objs) == sorted(child.inodes)


@pytest.mark.parametrize(("args", "where"), [
    (["--state", "LISTEN"], lambda s: s["status"] == "LISTEN" and s["kind"] != "unix"),
    (["--state", "listen,unconn"],
     lambda s: s["status"] in ("LISTEN", "UNCONN") and s["kind"] != "unix"),
    (["--state", "ESTABLISHED", "--state", "UNCONN", "--kind", "unix"],
     lambda s: s["status"] in ("ESTABLISHED", "UNCONN") and s["kind"] == "unix"),
    (["--kind", "udp"], lambda s: s["kind"] in KIND_TABLES["udp"]),
    (["--kind", "tcp6", "--state", "LISTEN"],
     lambda s: s["kind"] == "tcp6" and s["status"] == "LISTEN"),
    (["--kind", "all"], lambda s: True),
])
def test_connections_filters(capsys, child: SocketChild, backend: str, args: list[str],
                             where) -> None:
    objs = main_json(capsys, "connections", "--pid", str(child.pid), "--backend", backend,
                     *args)
    assert sorted(o["inode"] for o in objs) == sorted(
        s["inode"] for s in child.sockets if where(s))
    assert objs


def test_connections_port_filter(capsys, child: SocketChild, backend: str) -> None:
    p6 = child.by_role("listen6")["laddr"][1]
    pu = child.by_role("udp4-bound")["laddr"][1]
    objs = main_json(capsys, "connections", "--port", str(p6), "--port", str(pu),
                     "--backend", backend)

    def touches(s: dict[str, Any]) -> bool:
        return any(isinstance(e, list) and e[1] in (p6, pu) for e in (s["laddr"], s["raddr"]))

    mine = sorted(o["inode"] for o in objs if o["inode"] in child.inodes)
    assert mine == sorted(s["inode"] for s in child.sockets if touches(s))
    # the listener, its accepted ends and clients; the bound UDP socket and its client
    assert len(mine) == 1 + 2 * sum(1 for s in child.sockets if s["role"] == "client-v6") + 2
    for o in objs:  # and nothing else: every row has one of the ports
        ends = [e for e in (o["laddr"], o["raddr"]) if isinstance(e, dict)]
        assert any(e["port"] in (p6, pu) for e in ends), o


def test_no_pids(capsys, child: SocketChild, backend: str) -> None:
    objs = main_json(capsys, "connections", "--kind", "all", "--no-pids", "--backend",
                     backend)
    mine = [o for o in objs if o["inode"] in child.inodes]
    assert sorted(o["inode"] for o in mine) == sorted(child.inodes)  # once each
    assert all((o["pid"], o["fd"], o["name"]) == (None, None, None) for o in objs)
    out = main_out(capsys, "ports", "-n", "--backend", backend)
    listen4 = shown(child.by_role("listen4")["laddr"])
    row = [ln for ln in out.splitlines() if listen4 in ln.split()]
    assert len(row) == 1 and row[0].split()[-1] == listen4  # no PID, FD, PROCESS


# --------------------------------------------------------------------------
# the hostile name


@pytest.mark.parametrize("source", ["netlink", "proc"])
def test_hostile_unix_name(capsys, child: SocketChild, backend: str, source: str) -> None:
    evil = child.path(EVIL_BASENAME)
    assert "\x1b" in evil and "\n" in evil  # precondition
    out = main_out(capsys, "connections", "--kind", "unix", "--pid", str(child.pid),
                   "--source", source, "--backend", backend)
    assert "\x1b" not in out
    lines = out.splitlines()
    assert len(lines) == 1 + sum(1 for s in child.sockets if s["kind"] == "unix")
    row = [ln for ln in lines if "evil" in ln]
    assert len(row) == 1 and "line.sock" in row[0]  # the newline did not split the row
    assert row[0].startswith("u_dgr ") and row[0].endswith(
        f" {child.pid} {child.by_role('dgram-evil')['fd']} {CHILD_NAME}")
    objs = main_json(capsys, "connections", "--kind", "unix", "--pid", str(child.pid),
                     "--source", source, "--backend", backend)
    names = [o["laddr"] for o in objs if o["inode"] == child.by_role("dgram-evil")["inode"]]
    assert names == [evil]


def test_as_a_program(child: SocketChild) -> None:
    p = run("connections", "--kind", "all", "--pid", str(child.pid))
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    assert_terminal_safe(p.stdout)
    lines = p.stdout.decode().splitlines()
    assert len(lines) == 1 + len(child.sockets)
    p = run("ports", "--pid", str(child.pid), "--json")
    assert p.returncode == 0 and p.stderr == b"", p.stderr
    objs = json.loads(p.stdout)["connections"]
    assert sorted((o["inode"], o["pid"], o["fd"], o["name"]) for o in objs) == sorted(
        (s["inode"], child.pid, s["fd"], CHILD_NAME) for s in child.sockets
        if s["listening"] and s["kind"] != "unix")
    p = run("connections", "--kind", "unix", "--pid", str(child.pid), "--json")
    assert p.returncode == 0 and p.stdout.isascii()
    evil = [o for o in json.loads(p.stdout)["connections"]
            if o["inode"] == child.by_role("dgram-evil")["inode"]]
    assert [o["laddr"] for o in evil] == [child.path(EVIL_BASENAME)]


def test_as_a_program_usage_errors() -> None:
    assert_one_error_line(run("connections", "--pid", "1", "--no-pids"), 2)
    assert_one_error_line(run("connections", "--state", "ESTAB"), 2)
    assert_one_error_line(run("ports", "--port", "65536"), 2)


# --------------------------------------------------------------------------
# usage errors, in this process


@pytest.mark.parametrize("args", [
    ["connections", "--pid", "1", "--no-pids"],
    ["ports", "--pid", "1", "-n"],
    ["connections", "--state", "ESTAB"],
    ["connections", "--state", "listen,bogus"],
    ["connections", "--state", ","],
    ["connections", "--state", "\x1b[31mLISTEN"],
    ["ports", "--port", "70000"],
    ["ports", "--port", "http"],
    ["connections", "--port", "-1"],
    ["connections", "--pid", "0"],
    ["connections", "--kind", "sctp"],
    ["ports", "--source", "sysfs"],
    ["connections", "--source", "netlink", "--root", TREE],
])
def test_usage_errors(capsys, args: list[str]) -> None:
    rc, err = main_error(capsys, *args)
    assert rc == 2, err
    assert "\x1b" not in err


def test_missing_root_is_an_error(capsys, tmp_path: Path) -> None:
    rc, err = main_error(capsys, "connections", "--root", str(tmp_path / "missing"))
    assert rc == 1
    assert str(tmp_path / "missing") in err


def test_fixture_root(capsys, backend: str) -> None:
    """The hand-made tree: abstract names with '@', a LISTEN SEND-Q empty."""
    out = main_out(capsys, "ports", "--kind", "all", "--root", TREE, "--backend", backend)
    lines = out.splitlines()
    assert sorted(ln.split()[:3] for ln in lines[1:] if "@" in ln) == [
        ["u_dgr", "UNCONN", "@name"], ["u_seq", "LISTEN", "@/tmp/.X11-unix/X0"]]
    objs = main_json(capsys, "ports", "--kind", "all", "--root", TREE, "--backend", backend)
    assert sorted(o["laddr"] for o in objs if isinstance(o["laddr"], str)) == [
        "\0/tmp/.X11-unix/X0", "\0name", "/run/app.sock"]
    tcp = {o["inode"]: o for o in objs if o["type"] == "SOCK_STREAM"
           and o["family"] != "AF_UNIX"}
    assert tcp[1001]["tx_queue"] is None and tcp[1001]["rx_queue"] == 3
    assert [ln.split() for ln in lines[1:] if ":8080 " in ln] == [
        ["tcp", "LISTEN", "3", "127.0.0.1:8080", "100", "3", "nginx"]]


@pytest.mark.parametrize("source", ["netlink", "proc"])
def test_unix_rows_show_inodes(capsys, backend: str, source: str) -> None:
    """Unnamed unix sockets are told apart by their inodes, as in ss: LOCAL
    "* <inode>", PEER "* <peer inode>" (netlink knows the peer; /proc does not)."""
    a, b = socket.socketpair()
    try:
        ia, ib = os.fstat(a.fileno()).st_ino, os.fstat(b.fileno()).st_ino
        out = main_out(capsys, "connections", "--kind", "unix", "--pid", str(os.getpid()),
                       "--source", source, "--backend", backend)
        peer_a = rf"\* {ib}" if source == "netlink" else r"\*"
        pattern = rf" \* {ia} +{peer_a} +{os.getpid()} +{a.fileno()} "
        assert len([ln for ln in out.splitlines() if re.search(pattern, ln)]) == 1, out
    finally:
        a.close()
        b.close()


def test_column_titles_come_from_the_registry(capsys) -> None:
    """`sysmon explain connection.X` names the column that shows X (design
    section 6: titles come from the registry), the ss names."""
    out = main_out(capsys, "connections", "--kind", "all")
    titles = out.splitlines()[0].split()
    attrs = ["family", "status", "rx_queue", "tx_queue", "laddr", "raddr", "pid", "fd", "name"]
    assert titles == [sysmon.FIELDS[f"connection.{a}"].title for a in attrs]
    assert titles == ["NETID", "STATE", "RECV-Q", "SEND-Q", "LOCAL", "PEER", "PID", "FD",
                      "PROCESS"]
    assert "  column:   SEND-Q\n" in sysmon.explain("connection.tx_queue")
