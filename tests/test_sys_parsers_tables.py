"""System-file parser tables for the row tables /proc/self/mountinfo,
/proc/diskstats and /proc/net/dev: one case per awkward input, C and Python
side by side.

Every expected value is written by hand from the contract in sysmon/_rawsys.py
and the input next to it.  Where the contract leaves a choice open, the case
is in an ``*_AGREE`` table: the two implementations only have to agree.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from sys_parser_support import (
    I64_MAX,
    I64_MIN,
    TOO_BIG,
    U64,
    U64_TEXT,
    agree,
    assert_exact,
    mod_fixture,  # noqa: F401 - the `mod` fixture
    nums,
    seq,
)

from sysmon.errors import ParseError


# -------------------------------------------------------------- mountinfo
def mount(mountpoint: bytes, root: bytes = b"/", optional: bytes = b"", fstype: bytes = b"ext4",
          source: bytes = b"/dev/sda1", options: bytes = b"rw,relatime",
          super_options: bytes = b"rw") -> bytes:
    opt = optional + b" " if optional else b""
    return (b"36 35 98:0 " + root + b" " + mountpoint + b" " + options + b" " + opt + b"- "
            + fstype + b" " + source + b" " + super_options + b"\n")


def row(mountpoint: bytes, root: bytes = b"/", optional: bytes = b"", fstype: bytes = b"ext4",
        source: bytes = b"/dev/sda1", options: bytes = b"rw,relatime",
        super_options: bytes = b"rw") -> tuple[Any, ...]:
    return (36, 35, 98, 0, root, mountpoint, options, optional, fstype, source, super_options)


PROC5 = b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n"
PROC5_ROW = (36, 35, 98, 0, b"/mnt1", b"/mnt2", b"rw,noatime", b"master:1", b"ext3",
             b"/dev/root", b"rw,errors=continue")

MOUNTINFO_CASES: list[Any] = [
    pytest.param(PROC5, [PROC5_ROW], id="proc5-example"),
    pytest.param(PROC5.rstrip(b"\n"), [PROC5_ROW], id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(b"22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n",
                 [(22, 1, 8, 1, b"/", b"/", b"rw,relatime", b"", b"ext4", b"/dev/sda1", b"rw")],
                 id="no-optional-fields"),
    pytest.param(b"25 22 0:23 / /sys rw,nosuid shared:7 master:2 propagate_from:3 unbindable"
                 b" - sysfs sysfs rw\n",
                 [(25, 22, 0, 23, b"/", b"/sys", b"rw,nosuid",
                   b"shared:7 master:2 propagate_from:3 unbindable", b"sysfs", b"sysfs", b"rw")],
                 id="several-optional-fields"),
    pytest.param(b"25 22 0:23 / /sys rw  shared:7 \t master:2\t- sysfs sysfs rw\n",
                 [(25, 22, 0, 23, b"/", b"/sys", b"rw", b"shared:7 master:2", b"sysfs",
                   b"sysfs", b"rw")], id="optional-fields-joined-by-one-space"),
    pytest.param(b"22 1 8:1 / / rw - ext4 /dev/sda1 rw extra more tokens\n",
                 [(22, 1, 8, 1, b"/", b"/", b"rw", b"", b"ext4", b"/dev/sda1", b"rw")],
                 id="extra-tokens-ignored"),
    pytest.param(b"40 22 0:50 / /x rw - fuse - rw\n",
                 [(40, 22, 0, 50, b"/", b"/x", b"rw", b"", b"fuse", b"-", b"rw")],
                 id="source-is-a-dash"),
    pytest.param(b"-1 -9223372036854775808 0:0 / / rw - a b c\n"
                 b"9223372036854775807 0 18446744073709551615:18446744073709551615 / / rw - a b c",
                 [(-1, I64_MIN, 0, 0, b"/", b"/", b"rw", b"", b"a", b"b", b"c"),
                  (I64_MAX, 0, U64, U64, b"/", b"/", b"rw", b"", b"a", b"b", b"c")],
                 id="number-bounds"),
    pytest.param(b"\n  22\t1 8:1  /  /  rw - ext4 /dev/sda1 rw  \n\n",
                 [(22, 1, 8, 1, b"/", b"/", b"rw", b"", b"ext4", b"/dev/sda1", b"rw")],
                 id="blanks-and-blank-lines"),
    pytest.param(PROC5 + b"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n",
                 [PROC5_ROW, (22, 1, 8, 1, b"/", b"/", b"rw", b"", b"ext4", b"/dev/sda1",
                              b"rw")], id="two-lines-in-order"),
    pytest.param(mount(b"/mnt/my\\040disk"), [row(b"/mnt/my disk")], id="esc-space"),
    pytest.param(mount(b"/mnt/a\\011b"), [row(b"/mnt/a\tb")], id="esc-tab"),
    pytest.param(mount(b"/mnt/new\\012line"), [row(b"/mnt/new\nline")], id="esc-newline"),
    pytest.param(mount(b"/mnt/back\\134slash"), [row(b"/mnt/back\\slash")], id="esc-backslash"),
    pytest.param(mount(b"/mnt/lone\\x"), [row(b"/mnt/lone\\x")], id="lone-backslash"),
    pytest.param(mount(b"/mnt/end\\"), [row(b"/mnt/end\\")], id="backslash-at-end-of-field"),
    pytest.param(mount(b"/mnt/\\400"), [row(b"/mnt/\\400")], id="over-255-stays"),
    pytest.param(mount(b"/mnt/\\08x"), [row(b"/mnt/\\08x")], id="non-octal-digit-stays"),
    pytest.param(mount(b"/mnt/\\12"), [row(b"/mnt/\\12")], id="two-digits-at-end-stay"),
    pytest.param(mount(b"/mnt/\\0101"), [row(b"/mnt/\x081")], id="exactly-three-digits"),
    pytest.param(mount(b"/mnt/\\134040"), [row(b"/mnt/\\040")], id="no-rescan"),
    pytest.param(mount(b"/mnt/\\\\040"), [row(b"/mnt/\\ ")], id="backslash-then-escape"),
    pytest.param(mount(b"/mnt/\\377\\000"), [row(b"/mnt/\xff\x00")], id="byte-ff-and-nul"),
    pytest.param(mount(b"\\057mnt"), [row(b"/mnt")], id="any-byte-may-be-escaped"),
    # after " - " each field follows exactly one blank: an empty source is
    # an empty field (the kernel prints a mount made with source "" so)
    pytest.param(b"63 43 0:39 / /tmp/x rw,relatime - tmpfs  rw\n",
                 [(63, 43, 0, 39, b"/", b"/tmp/x", b"rw,relatime", b"", b"tmpfs", b"", b"rw")],
                 id="empty-source"),
    pytest.param(mount(b"/x", optional=b"shared:1 master:2", fstype=b"tmpfs", source=b"",
                       super_options=b"rw,size=8k more tokens").rstrip(b"\n"),
                 [row(b"/x", optional=b"shared:1 master:2", fstype=b"tmpfs", source=b"",
                      super_options=b"rw,size=8k")],
                 id="empty-source-optional-extra-no-newline"),
    pytest.param(b"1 2 3:4 / / rw - tmpfs\t\trw\n1 2 3:4 / / rw\t-\text4\t/dev/a\trw\t\n",
                 [(1, 2, 3, 4, b"/", b"/", b"rw", b"", b"tmpfs", b"", b"rw"),
                  (1, 2, 3, 4, b"/", b"/", b"rw", b"", b"ext4", b"/dev/a", b"rw")],
                 id="one-tab-is-one-blank-after-the-dash"),
    pytest.param(mount(b"-", fstype=b"tmpfs", source=b""),
                 [row(b"-", fstype=b"tmpfs", source=b"")], id="empty-source-mountpoint-is-a-dash"),
    pytest.param(mount(b"/m\\011", root=b"/a\\040b", fstype=b"fuse\\056x", source=b"",
                       super_options=b"rw\\134 x"),
                 [row(b"/m\t", root=b"/a b", fstype=b"fuse.x", source=b"", super_options=b"rw\\")],
                 id="empty-source-with-escapes"),
    pytest.param(mount(b"/m", source=b"\\040"), [row(b"/m", source=b" ")],
                 id="source-is-an-escaped-space"),
    pytest.param(mount(b"/m", root=b"/r\\040t", optional=b"shared:1\\040x master:2",
                       fstype=b"fuse\\056sshfs", source=b"//srv/a\\040b",
                       options=b"rw\\054x", super_options=b"rw\\134"),
                 [row(b"/m", root=b"/r t", optional=b"shared:1 x master:2",
                      fstype=b"fuse.sshfs", source=b"//srv/a b", options=b"rw,x",
                      super_options=b"rw\\")], id="every-string-field-unescaped"),
]


@pytest.mark.parametrize(("data", "want"), MOUNTINFO_CASES)
def test_mountinfo(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_mountinfo(data), want)


MOUNTINFO_MALFORMED = [
    b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 ext3 /dev/root rw\n",  # no "-"
    b"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root\n",
    b"36 35 98:0 /mnt1 /mnt2 rw - ext3\n",
    b"36 35 98:0 /mnt1 /mnt2 rw -\n",
    b"36 35 98:0 / - ext3 /dev/root rw\n",
    b"36 35 98:0\n",
    b"36 35\n",
    b"36 35 98-0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98: / / rw - ext3 /dev/root rw\n",
    b"36 35 :0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98:0:1 / / rw - ext3 /dev/root rw\n",
    b"36 35 x:0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98 / / rw - ext3 /dev/root rw\n",
    b"36 35 -1:0 / / rw - ext3 /dev/root rw\n",
    b"36 35 98:" + TOO_BIG + b" / / rw - ext3 /dev/root rw\n",
    b"a 35 98:0 / / rw - ext3 /dev/root rw\n",
    b"36 1.5 98:0 / / rw - ext3 /dev/root rw\n",
    b"9223372036854775808 35 98:0 / / rw - ext3 /dev/root rw\n",
    b"36 -9223372036854775809 98:0 / / rw - ext3 /dev/root rw\n",
    b"36x 35 98:0 / / rw - ext3 /dev/root rw\n",
    PROC5 + b"garbage\n",
    b"36 35 98:0 / / rw - tmpfs   rw\n",  # source "", then an empty super options
    b"36 35 98:0 / / rw -  ext3 /dev/root rw\n",  # an empty fstype
    b"36 35 98:0 / / rw - ext3 /dev/root \n",  # an empty super options
    b"36 35 98:0 / / rw - ext3  \n",
    b"36 35 98:0 / / rw - tmpfs \n",
    b"36 35 98:0 / / rw - tmpfs  \t rw\n",
]


@pytest.mark.parametrize("data", MOUNTINFO_MALFORMED)
def test_mountinfo_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_mountinfo(data)


# -------------------------------------------------------------- diskstats
def disk(major: int, minor: int, name: bytes, n: int, lead: bytes = b"   ") -> bytes:
    """A diskstats line with ``n`` fields in all; the stats count 1, 2, 3..."""
    return lead + nums(major, minor) + b" " + name + b" " + nums(*seq(1, n - 3)) + b"\n"


DISKSTATS_CASES: list[Any] = [
    pytest.param(disk(8, 0, b"sda", 20), [(8, 0, b"sda", seq(1, 17))], id="20-fields"),
    pytest.param(disk(8, 1, b"sda1", 18), [(8, 1, b"sda1", seq(1, 15))], id="18-fields"),
    pytest.param(disk(8, 2, b"sda2", 14), [(8, 2, b"sda2", seq(1, 11))], id="14-fields"),
    pytest.param(disk(259, 0, b"nvme0n1", 22), [(259, 0, b"nvme0n1", seq(1, 17))],
                 id="22-fields-extra-ignored"),
    pytest.param(disk(8, 0, b"sda", 20).rstrip(b"\n"), [(8, 0, b"sda", seq(1, 17))],
                 id="no-final-newline"),
    pytest.param(b"", [], id="empty"),
    pytest.param(disk(8, 0, b"sda", 20) + b"\n  \n" + disk(253, 0, b"dm-0", 14, lead=b"\t"),
                 [(8, 0, b"sda", seq(1, 17)), (253, 0, b"dm-0", seq(1, 11))],
                 id="several-lines-blank-lines"),
    pytest.param(nums(U64, U64) + b" d\xffisk " + b" ".join([U64_TEXT] * 11),
                 [(U64, U64, b"d\xffisk", (U64,) * 11)], id="u64-max-and-odd-name"),
]


@pytest.mark.parametrize(("data", "want"), DISKSTATS_CASES)
def test_diskstats(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_diskstats(data), want)


DISKSTATS_MALFORMED = [
    disk(8, 0, b"sda", 13),
    disk(8, 0, b"sda", 3),
    b"8 0\n",
    b"8\n",
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" x "),
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" -5 "),
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" " + TOO_BIG + b" "),
    disk(8, 0, b"sda", 14).replace(b" 5 ", b" 5x "),
    b"x 0 sda " + nums(*seq(1, 11)) + b"\n",
    b"8 -1 sda " + nums(*seq(1, 11)) + b"\n",
    disk(8, 0, b"sda", 20) + disk(8, 1, b"sda1", 13),
]


@pytest.mark.parametrize("data", DISKSTATS_MALFORMED)
def test_diskstats_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_diskstats(data)


def test_diskstats_past_17_agrees() -> None:
    agree("parse_diskstats", disk(8, 0, b"sda", 20).rstrip(b"\n") + b" junk\n")


# ----------------------------------------------------------------- netdev
NETDEV_HEAD = (
    b"Inter-|   Receive                                                |  Transmit\n"
    b" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    b"drop fifo colls carrier compressed\n"
)
C16 = seq(1, 16)

NETDEV_CASES: list[Any] = [
    pytest.param(NETDEV_HEAD + b"    lo: " + nums(*C16) + b"\n  eth0:  " + nums(*seq(101, 16))
                 + b"\n", [(b"lo", C16), (b"eth0", seq(101, 16))], id="typical"),
    pytest.param(NETDEV_HEAD, [], id="headers-only"),
    pytest.param(b"", [], id="empty"),
    pytest.param(NETDEV_HEAD + b"verylongname0:123 " + nums(*seq(2, 15)),
                 [(b"verylongname0", (123, *seq(2, 15)))], id="glued-long-name-no-newline"),
    pytest.param(b"eth0: " + b" ".join([U64_TEXT] * 16) + b"\n", [(b"eth0", (U64,) * 16)],
                 id="u64-max"),
    pytest.param(b"eth0: " + nums(*seq(1, 18)) + b"\n", [(b"eth0", C16)], id="extra-ignored"),
    pytest.param(b"eth0:1: " + nums(*C16) + b"\n", [(b"eth0:1", C16)], id="alias-last-colon"),
    pytest.param(b"\teth0:\t" + b"\t".join(str(v).encode() for v in C16) + b"\t\n\n",
                 [(b"eth0", C16)], id="tabs"),
    pytest.param(b"anything | at all\n" + b"lo: " + nums(*C16), [(b"lo", C16)],
                 id="a-line-with-a-bar-and-no-colon-is-a-header"),
    # the kernel allows '|' in an interface name: a line with a ':' is an
    # interface, whatever else it holds
    pytest.param(NETDEV_HEAD + b"   x|y: " + nums(*C16) + b"\n|:" + nums(*seq(101, 16))
                 + b"\na|b:1: " + nums(*C16), [(b"x|y", C16), (b"|", seq(101, 16)),
                                              (b"a|b:1", C16)], id="bar-in-a-name"),
]


@pytest.mark.parametrize(("data", "want"), NETDEV_CASES)
def test_netdev(mod: ModuleType, data: bytes, want: Any) -> None:
    assert_exact(mod.parse_netdev(data), want)


NETDEV_MALFORMED = [
    b"eth0: " + nums(*seq(1, 15)) + b"\n",
    b"eth0:\n",
    b"eth0 " + nums(*C16) + b"\n",
    b": " + nums(*C16) + b"\n",
    b"   : " + nums(*C16) + b"\n",
    b"eth0: " + nums(*seq(1, 15)) + b" " + TOO_BIG + b"\n",
    b"eth0: " + nums(*seq(1, 15)) + b" x\n",
    b"eth0: -1 " + nums(*seq(1, 15)) + b"\n",
    b"eth0:12ab " + nums(*seq(1, 15)) + b"\n",
    NETDEV_HEAD + b"lo: " + nums(*C16) + b"\nbad: 1 2\n",
    NETDEV_HEAD + b"a | b: 1 2\n",  # a colon: an interface line, not a header
    b"x|y: " + nums(*seq(1, 15)) + b"\n",
]


@pytest.mark.parametrize("data", NETDEV_MALFORMED)
def test_netdev_malformed(mod: ModuleType, data: bytes) -> None:
    with pytest.raises(ParseError):
        mod.parse_netdev(data)


@pytest.mark.parametrize("data", [
    b"a b: " + nums(*C16) + b"\n",
    b"eth0: " + nums(*C16) + b" junk\n",
])
def test_netdev_agree(data: bytes) -> None:
    agree("parse_netdev", data)
