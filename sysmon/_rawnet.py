"""The contract of the socket readers, which both backends implement.

``sysmon._native_net`` (C: csrc/parse_net.c and csrc/scan_net.c) and
``sysmon._pure_net`` (Python) each expose the functions below with the same
names, the same raw return shapes and the same acceptance rules; tests hold
them to exact agreement.  They return what the source says, unconverted:
mapping states to names, addresses to text, unix names to paths, and the
choice between netlink and /proc/net all happen once, in
``sysmon.sockets``.

The raw socket tuple (``SockRaw``)
----------------------------------
``(family, type, proto, state, laddr, lport, raddr, rport, inode, uid,
rqueue, wqueue, name, peer, flags, info)``

- family: AF_INET (2), AF_INET6 (10) or AF_UNIX (1).
- type: SOCK_STREAM (1), SOCK_DGRAM (2), SOCK_SEQPACKET (5), as the source says
  (inet: STREAM for TCP, DGRAM for UDP).
- proto: IPPROTO_TCP (6) or IPPROTO_UDP (17) for inet, 0 for unix.
- state: the source's state number, as is.  Netlink and /proc/net/tcp|udp use
  the kernel's TCP_* numbers; /proc/net/unix "St" is a socket_state (SS_*).
- laddr, raddr: the address bytes in network order: 4 bytes for AF_INET, 16 for
  AF_INET6, b"" for AF_UNIX.  lport, rport: ints (0 for unix).
- inode: int.
- uid, rqueue, wqueue, peer: int, or None when the source did not give it.
- name: unix only: the bound name's bytes exactly as the source gave them
  (netlink: the sun_path bytes, a leading NUL for abstract names, a trailing
  NUL for paths; /proc/net/unix: the text after the inode), or None when the
  socket has no name.  Always None for inet.
- flags: /proc/net/unix "Flags" (0x10000 = listening); 0 everywhere else.
- info: TCP over netlink with tcp_info asked for:
  ``(rtt_us, rttvar_us, total_retrans, bytes_acked, bytes_received)``, the last
  two None when the kernel's tcp_info is too short to hold them; else None.

The functions
-------------
parse_net_inet(data, family, proto) -> list[SockRaw]    /proc/net/{tcp,udp}[6]
    The first line is a header and is skipped, whatever it holds.  Every other
    line that is not empty or blank is a row; tokens are separated by runs of
    blanks (space, tab), leading blanks skipped.  A row has at least 10 tokens
    (fewer is malformed); tokens past the 10th are not read:

    1. ``sl:``         decimal digits then ':'
    2. ``ADDR:PORT``   local; ADDR exactly 8 (AF_INET) or 32 (AF_INET6) hex
                       digits, PORT exactly 4 hex digits (either case)
    3. ``ADDR:PORT``   remote, the same
    4. ``st``          1 or 2 hex digits: state
    5. ``TX:RX``       each 1..8 hex digits: wqueue = TX, rqueue = RX
    6, 7, 9            not read (any token)
    8. ``uid``         decimal u32
    10. ``inode``      decimal u64

    ADDR is 1 or 4 words of 8 hex digits; each word is a u32 that the kernel
    printed from memory, so its bytes in *host* byte order (``sys.byteorder``)
    are the address bytes: "0100007F" is 127.0.0.1 on a little-endian host.
    uid and both queues are always given.  Decimal numbers follow
    _rawsys's u64 rule (digits only, end at a blank or line end, in range).

parse_net_unix(data) -> list[SockRaw]                   /proc/net/unix
    The first line is a header and is skipped.  A row is, separated by runs of
    blanks: ``Num:`` (1+ hex digits then ':'), RefCount, Protocol, Flags, Type,
    St (each 1..8 hex digits; Type and St must fit 16 and 8 bits), Inode
    (decimal u64).  If the line ends right after the inode the socket has no
    name; otherwise exactly one space follows and the name is the rest of the
    line, verbatim (it may hold blanks, or start with one).  A line that is not
    a row continues the name of the row before it when that row has a name
    (the kernel prints a '\\n' in a name as is): the name then spans the
    '\\n' and that line.  A line that is not a row, with no named row before
    it, is skipped when it is empty or blank and malformed otherwise.  The
    empty piece after a final '\\n' is never a line.  uid, queues and peer are
    None.  (The format is ambiguous: a name holding '\\n' and then text shaped
    like a row reads as that row.  Netlink, the default source, has no such
    weakness; neither has `ss`, which uses it.)

parse_diag(data, proto) -> (list[SockRaw], status)      a sock_diag reply
    ``data`` is one recv() buffer of netlink messages in host byte order.  Each
    starts with nlmsghdr ``(u32 len, u16 type, u16 flags, u32 seq, u32 pid)``;
    len >= 16 and <= the bytes left, else malformed; the next message starts
    at the offset rounded up to 4 (or the end of data).  1..15 bytes left over
    are malformed.  By type:

    - 1 NLMSG_NOOP: skipped.  3 NLMSG_DONE: status |= 1, and parsing stops;
      when len >= 20 the i32 after the header is the dump's outcome: nonzero
      is an error exactly as for NLMSG_ERROR (a dump that failed part-way).
    - 2 NLMSG_ERROR: an i32 error follows the header (len < 20 is malformed);
      0 is skipped, else ``OSError(-error)`` is raised (C: returns error).
    - 20 SOCK_DIAG_BY_FAMILY: one socket, below.  Any other type: malformed.
    - flags & 0x10 (NLM_F_DUMP_INTR) on any message: status |= 2.

    A socket payload's first byte is its family.  AF_INET/AF_INET6: a 72-byte
    inet_diag_msg ``(u8 family, u8 state, u8 timer, u8 retrans, be16 sport,
    be16 dport, 16 bytes src, 16 bytes dst, u32 if, u32 cookie[2], u32
    expires, u32 rqueue, u32 wqueue, u32 uid, u32 inode)``; laddr/raddr are
    the first 4 (AF_INET) or all 16 bytes of src/dst; type from proto; uid and
    queues are given.  AF_UNIX: a 16-byte unix_diag_msg ``(u8 family, u8 type,
    u8 state, u8 pad, u32 ino, u32 cookie[2])``.  A shorter payload, or
    another family, is malformed.  Attributes follow at offset 16 + 72 = 88
    (inet) or 16 + 16 = 32 (unix) up to the message's len: each is ``(u16 len,
    u16 type)`` then len - 4 payload bytes, the next at len rounded up to 4;
    len < 4 or past the message is malformed, and so are 1..3 bytes left over.
    ``type & 0x3fff`` is the kind; a kind that repeats: the last one counts.

    - inet, kind 2 (INET_DIAG_INFO), tcp_info: payload >= 104 bytes gives
      rtt (u32 at 68), rttvar (u32 at 72), total_retrans (u32 at 100); >= 136
      also bytes_acked (u64 at 120) and bytes_received (u64 at 128).  Shorter
      payloads are ignored (older kernels).  Other kinds are ignored.
    - unix, kind 0 (NAME): the name, the whole payload (may be empty);
      2 (PEER): u32 peer; 4 (RQLEN): u32 rqueue, u32 wqueue; 7 (UID): u32
      uid.  PEER, RQLEN or UID shorter than that is malformed.  Others ignored.

    Malformed: ``sysmon.errors.ParseError("<sock_diag reply>", detail)``.

parse_socklink(data) -> int | None                      a /proc/<pid>/fd link
    ``socket:[N]`` exactly (N a decimal u64, digits only) -> N; else None.

diag_dump(family, proto, states, want_info) -> list[SockRaw]
    One NETLINK_SOCK_DIAG dump: socket(AF_NETLINK, SOCK_DGRAM|SOCK_CLOEXEC, 4),
    a request ``nlmsghdr(len, 20, NLM_F_REQUEST|NLM_F_DUMP = 0x301, seq, 0)``
    sent to the kernel, then
    - inet: inet_diag_req_v2 ``(u8 family, u8 proto, u8 ext, u8 pad, u32
      states, 48 zero bytes)``, ext = 2 (INET_DIAG_INFO) when want_info and
      proto is TCP, else 0;
    - AF_UNIX: unix_diag_req ``(u8 1, u8 0, u16 0, u32 states, u32 0, u32 show
      = 0x55 (NAME|PEER|RQLEN|UID), u32 0, u32 0)``.
    Replies are received into a buffer of at least 64 KiB until NLMSG_DONE and
    parsed with parse_diag; a datagram not from the kernel (nl_pid != 0) is
    ignored; a truncated datagram (MSG_TRUNC) is malformed; EINTR is retried.
    Errors raise ``OSError`` (from the socket calls or an NLMSG_ERROR); a
    socket receive overrun (ENOBUFS) is reported as EIO.

scan_sockfds(proc_path, only_pid) -> (refs, names)
    refs: ``(inode, pid, fd)`` for every ``socket:[N]`` link in
    ``<proc_path>/<pid>/fd`` of every process (only_pid None) or of only_pid.
    Pids are entries named as canonical pids (1..2**31-1, no sign or leading
    zero); fds are names of digits without a leading zero ("0" itself is one).
    Each pid directory is opened O_DIRECTORY|O_NOFOLLOW, then "fd" under it
    the same way, then each link read with readlinkat on that fd.  A process
    that vanishes or denies (ENOENT, ESRCH, EACCES, EPERM, ENOTDIR) is
    skipped, and so is a link that vanishes.  names: ``{pid: comm}`` for every
    pid in refs: the bytes of ``<pid>/comm`` (opened through the same pid
    fd) without one trailing newline, at most 64 bytes, or None when it could
    not be read.  Errors reading proc_path itself, or ENOMEM/EMFILE/ENFILE,
    raise OSError.  Order is unspecified.

read_sockfds(dirfd, pid) -> list[(inode, pid, fd)] | None
    The same for one process through its held directory fd; None when it is
    gone (ENOENT/ESRCH opening "fd"); other errors raise OSError, and so does
    a link that is denied (EACCES/EPERM: a listable "fd" whose links are not
    ours to read is not a process without sockets).  Other link errors
    (ENOENT: closed meanwhile; ENAMETOOLONG: a file path beyond PATH_MAX)
    skip the link, as in the table scan.
"""

from __future__ import annotations

from typing import Any

SockRaw = tuple[Any, ...]  # see the layout above
SockRef = tuple[int, int, int]  # (inode, pid, fd)

# Indexes into SockRaw.
FAMILY, TYPE, PROTO, STATE, LADDR, LPORT, RADDR, RPORT, INODE, UID = range(10)
RQUEUE, WQUEUE, NAME, PEER, FLAGS, INFO = range(10, 16)

NAME_CAP = 64
NLMSG_DUMP_INTR_STATUS = 2
