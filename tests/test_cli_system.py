"""The system commands ``sysmon cpu``, ``mem``, ``disk`` and ``net``: the
formatters (free's and df's human units), then a tree written by the test
(cli_system_support.py), run as a real program on both backends with exact
output.

The same tree in this process, with exact rates and --watch frames, is in
test_cli_system_in_process.py; the live system, --watch ended by SIGINT and
usage errors in test_cli_system_live.py.  No timing is asserted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from cli_support import (  # noqa: E402
    BACKENDS,
    assert_one_error_line,
    assert_terminal_safe,
    cli_env,
    ok,
    run,
)
from cli_system_support import (  # noqa: E402
    CPU_BEFORE,
    EVIL_IFACE,
    EVIL_IFACE_SHOWN,
    KIB,
    MEM_DEFAULT,
    MIB,
    SHOWN_MOUNTS,
    SHOWN_MOUNTS_TEXT,
    json_of,
    write_tree,
)

from sysmon.cli._system import df_human  # noqa: E402
from sysmon.cli.mem import scale  # noqa: E402


@pytest.fixture(scope="module", name="tree")
def tree_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("sys"))


def utc_env(**extra: str) -> dict[str, str]:
    return cli_env(TZ="UTC", **extra)


# --------------------------------------------------------------------------
# formatters


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        # values free -h printed on a real machine (KiB from /proc/meminfo)
        (24684092 * KIB, "23Gi"),
        (426068 * KIB, "416Mi"),
        (8856 * KIB, "8.6Mi"),
        (584868 * KIB, "571Mi"),
        (0, "0B"),
        (999, "999B"),
        (1000, "1.0Ki"),  # "1000B" is wider than free's 4 characters
        (1023 * KIB, "1.0Mi"),  # "1023.0Ki" and "1023Ki" are too wide
        (9 * MIB + 1000 * KIB, "9Mi"),  # "10.0Mi" is too wide: free truncates
        (10 * MIB, "10Mi"),
        (3 * (1 << 40) // 2, "1.5Ti"),
        (5 * (1 << 50), "5.0Pi"),
    ],
)
def test_free_human(n, shown):
    assert scale(n, 0, True, False) == shown


@pytest.mark.parametrize(
    ("n", "exponent", "si", "shown"),
    [
        (25276510208, 0, False, "24684092"),  # default: KiB, truncated
        (25276510208, 1, False, "25276510208"),
        (25276510208, 2, False, "24684092"),
        (25276510208, 3, False, "24105"),
        (25276510208, 4, False, "23"),
        (25276510208, 0, True, "25276510"),  # --si: kB
        (25276510208, 3, True, "25276"),
    ],
)
def test_free_units(n, exponent, si, shown):
    assert scale(n, exponent, False, si) == shown


def test_free_human_si():
    assert scale(25276510208, 0, True, True) == "25G"
    assert scale(9068544, 0, True, True) == "9.1M"
    assert scale(0, 0, True, True) == "0B"


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        # values df -h printed on a real machine
        (270553174016, "252G"),
        (23882838016, "23G"),  # 22.2 rounds up
        (85061455872, "80G"),
        (4096, "4.0K"),
        (3083623, "3.0M"),
        (424773, "415K"),
        (16777216, "16M"),
        (0, "0"),
        (114, "114"),
        (1023, "1023"),
        (1024, "1.0K"),
        (1025, "1.1K"),  # rounded up
        (10239, "10K"),  # 9.999 rounds up to 10
        (MIB - 1, "1.0M"),  # 1023.999K rounds up to the next unit
        (1 << 60, "1.0E"),
    ],
)
def test_df_human(n, shown):
    assert df_human(n) == shown


# --------------------------------------------------------------------------
# the written tree, as a real program: exact output

MEM_HUMAN = """\
               total        used        free      shared  buff/cache   available
Mem:           7.6Gi       2.9Gi       976Mi        97Mi       2.9Gi       4.8Gi
Swap:          1.9Gi       488Mi       1.4Gi
"""
MEM_WIDE_TOTAL_BYTES = """\
               total        used        free      shared     buffers       cache   available
Mem:      8192000000  3072000000  1024000000   102400000   204800000  2867200000  5120000000
Swap:     2048000000   512000000  1536000000
Total:   10240000000  3584000000  2560000000
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_mem(tree, backend):
    base = ["mem", "--root", str(tree), "--backend", backend]
    assert ok(*base) == MEM_DEFAULT
    assert ok(*base, "-h") == MEM_HUMAN
    assert ok(*base, "--human") == MEM_HUMAN
    assert ok(*base, "-b", "-w", "-t") == MEM_WIDE_TOTAL_BYTES
    assert ok(*base, "-m").splitlines()[1].split() == ["Mem:", "7812", "2929", "976", "97",
                                                       "2929", "4882"]
    obj = json_of(*base)
    assert list(obj) == ["memory", "swap"]
    assert obj["memory"] == {
        "total": 8192000000, "available": 5120000000, "used": 3072000000,
        "free": 1024000000, "buffers": 204800000, "cached": 2867200000,
        "shared": 102400000, "active": 3072000000, "inactive": 2048000000,
        "slab": 409600000, "percent": 37.5,
    }
    page = os.sysconf("SC_PAGE_SIZE")
    assert obj["swap"] == {"total": 2048000000, "used": 512000000, "free": 1536000000,
                           "percent": 25.0, "sin": 10 * page, "sout": 20 * page}


def test_tree_mem_without_vmstat(tmp_path):
    root = write_tree(tmp_path)
    (root / "proc" / "vmstat").unlink()
    assert ok("mem", "--root", str(root)) == MEM_DEFAULT
    swap = json_of("mem", "--root", str(root))["swap"]
    assert (swap["total"], swap["sin"], swap["sout"]) == (2048000000, None, None)


CPU_TITLES = "CPU %busy %user %nice %system %iowait %irq %softirq %steal %idle\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_cpu(tree, backend):
    out = ok("cpu", "--root", str(tree), "--backend", backend, "--interval", "0.01",
             env=utc_env())
    # the tree does not change: no tick elapsed, so no percentage (never 0)
    assert out == CPU_BEFORE + "\n" + CPU_TITLES + (
        "all     -     -     -       -       -    -        -      -     -\n"
        "0       -     -     -       -       -    -        -      -     -\n"
        "1       -     -     -       -       -    -        -      -     -\n"
    )
    obj = json_of("cpu", "--root", str(tree), "--backend", backend, "--interval", "0.01")
    assert list(obj) == ["cpu_limits", "loadavg", "uptime", "cpu_stats", "pressure",
                         "cpu_freq", "temperatures", "cpu_times", "interval", "cpu_percent",
                         "percpu"]
    assert obj["cpu_limits"] == {"online": 2, "possible": None, "cpuset": None,
                                 "quota": None, "effective": 2}
    assert obj["loadavg"] == {"load1": 0.5, "load5": 1.25, "load15": 2.0, "running": 3,
                              "total": 456, "last_pid": 7890}
    assert obj["uptime"] == {"seconds": 93784.56, "idle": 180000.0}
    assert obj["cpu_stats"] == {"ctx_switches": 654321, "interrupts": 123456,
                                "soft_interrupts": 777, "forks": 4242, "procs_running": 3,
                                "procs_blocked": 1, "boot_time": 1700000000}
    assert obj["pressure"] == {"cpu": None, "memory": None, "io": None}
    assert (obj["cpu_freq"], obj["temperatures"]) == ({}, [])
    assert obj["cpu_percent"] is None
    assert obj["percpu"] == {"0": None, "1": None}
    assert obj["interval"] > 0


NET_TITLES = "RX_BYTES RX_PACKETS RX_ERRORS RX_DROPS TX_BYTES TX_PACKETS TX_ERRORS TX_DROPS"
NET_TEXT = f"""\
IFACE              {NET_TITLES.replace("RX_BYTES", " RX_BYTES", 1)}
lo                      1000         10         0        0     1000         10         0        0
eth0               123456789       1000         1        2   987654        900         3        4
{EVIL_IFACE_SHOWN}         5          1         0        0        6          1         0        0
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_net(tree, backend):
    out = ok("net", "--root", str(tree), "--backend", backend)
    assert out == NET_TEXT
    assert_terminal_safe(out.encode())
    human = ok("net", "--root", str(tree), "-h").splitlines()
    assert human[2].split()[1] == "118M" and human[2].split()[5] == "965K"
    obj = json_of("net", "--root", str(tree), "--backend", backend)
    evil = EVIL_IFACE.decode("utf-8", "surrogateescape")
    assert list(obj) == ["net_io"]
    assert list(obj["net_io"]) == ["lo", "eth0", evil]  # exact name, ASCII-escaped JSON
    assert obj["net_io"]["eth0"]["rx_bytes"] == 123456789
    assert obj["net_io"]["eth0"]["tx_drops"] == 4
    assert obj["net_io"][evil]["tx_bytes"] == 6


@pytest.mark.parametrize("backend", BACKENDS)
def test_tree_disk(tree, backend):
    st = os.statvfs(tree)
    size = st.f_blocks * st.f_frsize
    out = ok("disk", "--root", str(tree), "--backend", backend)
    assert_terminal_safe(out.encode())
    lines = out.splitlines()
    assert lines[0].split() == ["Filesystem", "Size", "Used", "Avail", "Use%", "Inodes",
                                "IUsed", "IFree", "IUse%", "Type", "Mounted", "on"]
    rows = [ln.split(None, 10) for ln in lines[1:]]
    # /proc is a pseudo filesystem, /gone is not under the root, the first
    # /data is hidden by the second; every mount point is statvfs'd under the root
    assert [(r[0], r[9], r[10]) for r in rows] == SHOWN_MOUNTS_TEXT
    assert all(int(r[1]) == size and int(r[5]) == st.f_files for r in rows)
    obj = json_of("disk", "--root", str(tree), "--backend", backend)
    assert list(obj) == ["filesystems"]
    got = [(f["mount"]["device"], f["mount"]["fstype"], f["mount"]["mountpoint"])
           for f in obj["filesystems"]]
    assert got == SHOWN_MOUNTS
    assert all(f["disk_usage"]["total"] == size for f in obj["filesystems"])
    assert obj["filesystems"][0]["mount"]["mount_id"] == 27
    # --all adds the pseudo filesystem (its directory exists under the root)
    everything = ok("disk", "--root", str(tree), "--all").splitlines()[1:]
    assert [ln.split()[-1] for ln in everything][:2] == ["/proc", "/"]


def test_tree_root_from_environment(tree):
    assert ok("mem", env=cli_env(SYSMON_ROOT=str(tree))) == MEM_DEFAULT
    assert ok("net", env=cli_env(SYSMON_ROOT=str(tree))) == NET_TEXT


def test_missing_root_is_one_error_line(tmp_path):
    for cmd in ("cpu", "mem", "disk", "net"):
        err = assert_one_error_line(run(cmd, "--root", str(tmp_path / "nowhere")), 1)
        assert "nowhere" in err
