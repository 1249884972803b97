/*
 * sysmon.h: the public C interface of sysmon's native core.
 *
 * Parsers are pure functions over byte buffers: (buf, len, out) -> 0 or -errno.
 * They do no I/O, use no globals and allocate nothing.
 * Scanners do the I/O (openat on per-process directory fds, read to EOF) and
 * fill caller-provided arrays.  C returns raw kernel counters (ticks, pages,
 * bytes); every conversion happens once, in Python.
 */
#ifndef SYSMON_H
#define SYSMON_H

#include <stddef.h>
#include <stdint.h>

/* Everything between the cffi-cdef markers is also what cffi sees
 * (csrc/build_ffi.py reads it): keep it plain declarations, no #if. */
/* cffi-cdef-begin */
/* Which per-process files a scan reads (the field mask).  Bit values are
 * mirrored by sysmon.fields.FileGroup; a test keeps them equal. */
#define SM_FILE_STAT    0x1  /* /proc/<pid>/stat */
#define SM_FILE_STATUS  0x2  /* /proc/<pid>/status */
#define SM_FILE_CMDLINE 0x8  /* /proc/<pid>/cmdline (0x4 was statm: the
                                status memory lines replaced it) */
#define SM_FILE_ALL     0xb

/* Index of each file group in sm_proc.err[] */
#define SM_G_STAT    0
#define SM_G_STATUS  1
#define SM_G_CMDLINE 2
#define SM_NGROUPS   3

/* Capacity of sm_proc.name (the kernel prints at most 63 bytes of comm). */
#define SM_NAME_CAP 64

/* Parsed /proc/<pid>/stat.  Field numbers are proc(5)'s, counted from 1. */
struct sm_stat {
    int64_t  pid;          /* (1)  */
    int64_t  ppid;         /* (4)  */
    int64_t  pgrp;         /* (5)  */
    int64_t  session;      /* (6)  */
    int64_t  tty_nr;       /* (7)  */
    int64_t  tpgid;        /* (8)  may be -1 */
    uint64_t flags;        /* (9)  */
    uint64_t minflt;       /* (10) */
    uint64_t majflt;       /* (12) */
    uint64_t utime;        /* (14) clock ticks */
    uint64_t stime;        /* (15) clock ticks */
    int64_t  priority;     /* (18) may be negative (real-time) */
    int64_t  nice;         /* (19) -20..19 */
    int64_t  num_threads;  /* (20) */
    uint64_t starttime;    /* (22) clock ticks after boot */
    uint64_t vsize;        /* (23) bytes */
    int64_t  rss;          /* (24) pages */
    int64_t  processor;    /* (39) -1 when the line is too short to have it */
    size_t   name_off;     /* offset of comm (2) in the input buffer */
    size_t   name_len;     /* its length: from after the first '(' to the last ')' */
    char     state;        /* (3)  */
};

/* The few keys of /proc/<pid>/status that sysmon reads.  The memory
 * lines are absent for a task without memory (kernel thread, zombie), and
 * RssFile/RssShmem before Linux 4.5. */
struct sm_status {
    int64_t uid[4];        /* Uid: real, effective, saved, filesystem */
    int64_t gid[4];        /* Gid: real, effective, saved, filesystem */
    int64_t tgid;          /* Tgid: (-1 if absent) */
    int64_t pid;           /* Pid:  (-1 if absent) */
    int64_t vm_rss;        /* VmRSS:    kB (-1 if absent) */
    int64_t rss_file;      /* RssFile:  kB (-1 if absent) */
    int64_t rss_shmem;     /* RssShmem: kB (-1 if absent) */
};

/* One row of the process table.  Raw kernel units. */
struct sm_proc {
    struct sm_stat   stat;
    struct sm_status status;
    uint64_t cmdline_off;  /* offset of the raw cmdline bytes in the arena */
    uint64_t cmdline_len;
    int32_t  pid;          /* from the directory name */
    int32_t  err[SM_NGROUPS]; /* per file group: 0 read and parsed, else a
                                 positive errno (EACCES, EINVAL for a parse
                                 error, ENODATA when not requested) */
    uint32_t name_len;
    char     name[SM_NAME_CAP];
};

/* Reusable scan state: a growable read buffer and the open root. */
struct sm_ctx;

int  sm_ctx_new(struct sm_ctx **out);
void sm_ctx_free(struct sm_ctx *ctx);

/* Parsers (pure). */
int sm_parse_stat(const char *buf, size_t len, struct sm_stat *out);
int sm_parse_status(const char *buf, size_t len, struct sm_status *out);

/*
 * Scan every process under proc_path (e.g. "/proc", or a fixture's
 * "<root>/proc").  Reads only the files named in mask.
 * Rows go to rows[0..cap), cmdline bytes to arena[0..arena_cap).
 * On return *n_rows is the number of rows found and *arena_used the arena
 * bytes they need.  Returns 0, or -ENOBUFS when either was too small (the
 * counts then say how much was needed), or -errno when proc_path itself
 * cannot be read or this process runs out of memory or fds (ENOMEM, EMFILE,
 * ENFILE).  A process that vanishes mid-read is skipped whole; a pid
 * directory that denies entry is kept with every requested file's error set.
 */
int sm_scan_procs(struct sm_ctx *ctx, const char *proc_path, uint32_t mask,
                  struct sm_proc *rows, size_t cap,
                  char *arena, size_t arena_cap,
                  size_t *n_rows, size_t *arena_used);

/*
 * Read only the processes pids[0..npids) under proc_path, with the rules of
 * sm_scan_procs for each: rows in the order of pids (a pid given twice is
 * read twice), same buffers, counts and returns.  Left out: a pid <= 0, a
 * pid with no directory (absent, vanished, not a directory), and a thread's
 * /proc/<tid> (openable though readdir never lists it), whatever the mask:
 * when mask leaves status out it is read for that check alone (and a status
 * that is missing, denied or malformed cannot tell: the row is kept, as a
 * scan keeps it).  A pid directory that denies entry gives a denied row.
 */
int sm_scan_pids(struct sm_ctx *ctx, const char *proc_path, const int32_t *pids, size_t npids,
                 uint32_t mask, struct sm_proc *rows, size_t cap,
                 char *arena, size_t arena_cap, size_t *n_rows, size_t *arena_used);

/*
 * Open <pid> under an open proc directory as a directory fd (O_DIRECTORY|
 * O_NOFOLLOW|O_CLOEXEC).  Returns the fd, -ENOENT when there is no such
 * process directory, or another -errno.
 */
int sm_open_pid(int procfd, int32_t pid);

/*
 * Read one process through its held directory fd.  Same row semantics as a
 * scan, except the return value: 0, -ESRCH when the process is gone,
 * -ENOBUFS when the arena was too small (*arena_used says how much).
 * Per-file errors (EACCES, parse errors) land in row->err[].
 */
int sm_read_proc(struct sm_ctx *ctx, int dirfd, int32_t pid, uint32_t mask,
                 struct sm_proc *row, char *arena, size_t arena_cap,
                 size_t *arena_used);
/* ---- system-wide files (issue 3): pure parsers in parse_sys[tab].c ------
 *
 * Conventions shared by every parser below (and by sysmon/_pure_sys.py):
 *  - Input is the whole file; a missing final newline is accepted.
 *  - Numbers are plain decimal (no '+', no leading blanks inside); unsigned
 *    ones are at most 2^64-1, signed ones fit int64.  Anything else in a
 *    field the parser reads makes it return -EINVAL (a ParseError).
 *  - Fields are separated by runs of blanks (space or tab).
 *  - Tables return -ENOBUFS when rows[] is too small, with *n set to the
 *    number of rows needed; the caller grows and calls again.
 *  - Strings are returned as (off, len) into the input, or into the caller's
 *    arena when they must be decoded (mountinfo).
 */

/* A decimal with a fraction, exactly as printed: value = m / 10^scale.
 * "0.25" -> {25, 2}; "3" -> {3, 0}.  At most 18 fraction digits. */
struct sm_dec {
    uint64_t m;
    uint32_t scale;
};

/* /proc/stat */
#define SM_CPU_MODES 10   /* user nice system idle iowait irq softirq steal guest guest_nice */
struct sm_cpu_line {
    int64_t  cpu;                 /* -1 for the aggregate "cpu" line, else N of "cpuN" */
    uint32_t n_modes;             /* how many modes the line had, 4..10 (more are ignored) */
    uint64_t ticks[SM_CPU_MODES]; /* clock ticks; [n_modes..] are 0 */
};
/* Indexes of sm_cpustat.v[] and bits of sm_cpustat.have. */
#define SM_ST_CTXT          0
#define SM_ST_BTIME         1
#define SM_ST_PROCESSES     2
#define SM_ST_PROCS_RUNNING 3
#define SM_ST_PROCS_BLOCKED 4
#define SM_ST_INTR          5   /* first number of "intr": the total */
#define SM_ST_SOFTIRQ       6   /* first number of "softirq": the total */
#define SM_ST_N             7
struct sm_cpustat {
    uint64_t v[SM_ST_N];
    uint32_t have;                /* bit (1 << SM_ST_x) set when the key was present */
};
int sm_parse_cpustat(const char *buf, size_t len, struct sm_cpustat *st,
                     struct sm_cpu_line *rows, size_t cap, size_t *n);

/* "Key: value [kB]" (meminfo, colon = 1) or "key value" (vmstat, colon = 0). */
struct sm_kv {
    uint64_t value;
    uint32_t key_off;
    uint32_t key_len;
    uint32_t kb;                  /* 1 when the value was followed by " kB" */
};
int sm_parse_kv(const char *buf, size_t len, int colon,
                struct sm_kv *rows, size_t cap, size_t *n);
/* The same checks of every line, keeping only the rows whose key is one of
 * keys: names separated by NUL bytes, keys_len bytes in all. */
int sm_parse_kv_pick(const char *buf, size_t len, int colon, const char *keys, size_t keys_len,
                     struct sm_kv *rows, size_t cap, size_t *n);

/* /proc/loadavg: "0.52 0.58 0.59 2/345 12345" */
struct sm_loadavg {
    struct sm_dec avg[3];
    uint64_t running;
    uint64_t total;
    uint64_t last_pid;
};
int sm_parse_loadavg(const char *buf, size_t len, struct sm_loadavg *out);

/* /proc/uptime: "12345.67 23456.78" */
struct sm_uptime {
    struct sm_dec up;
    struct sm_dec idle;
};
int sm_parse_uptime(const char *buf, size_t len, struct sm_uptime *out);

/* /proc/pressure/{cpu,memory,io}: "some avg10=.. avg60=.. avg300=.. total=N" and "full ..." */
struct sm_psi_line {
    struct sm_dec avg10;
    struct sm_dec avg60;
    struct sm_dec avg300;
    uint64_t total;               /* microseconds */
};
struct sm_psi {
    struct sm_psi_line some;
    struct sm_psi_line full;
    uint32_t have_some;
    uint32_t have_full;
};
int sm_parse_pressure(const char *buf, size_t len, struct sm_psi *out);

/* /proc/<pid>/mountinfo.  String fields are octal-unescaped ("\040" -> ' ')
 * into arena[]; the arena needs at most len bytes.  Offsets are into it. */
#define SM_MNT_ROOT    0
#define SM_MNT_POINT   1
#define SM_MNT_OPTS    2
#define SM_MNT_OPTIONAL 3  /* the optional fields ("shared:1 master:2"), as one string */
#define SM_MNT_FSTYPE  4
#define SM_MNT_SOURCE  5
#define SM_MNT_SUPER   6
#define SM_MNT_NSTR    7
struct sm_mount {
    int64_t  mount_id;
    int64_t  parent_id;
    uint64_t major;
    uint64_t minor;
    uint64_t str_off[SM_MNT_NSTR];
    uint64_t str_len[SM_MNT_NSTR];
};
int sm_parse_mountinfo(const char *buf, size_t len, struct sm_mount *rows, size_t cap,
                       char *arena, size_t arena_cap, size_t *n);

/* /proc/diskstats: "major minor name" then 11, 15 or 17 counters (more are ignored). */
#define SM_DISK_STATS 17
struct sm_disk {
    uint64_t major;
    uint64_t minor;
    uint64_t name_off;
    uint64_t name_len;
    uint32_t n_stats;             /* how many counters the line had (11..17) */
    uint64_t v[SM_DISK_STATS];    /* [n_stats..] are 0 */
};
int sm_parse_diskstats(const char *buf, size_t len, struct sm_disk *rows, size_t cap,
                       size_t *n);

/* /proc/net/dev: two header lines, then "name: 8 rx counters 8 tx counters". */
#define SM_NET_STATS 16
struct sm_netdev {
    uint64_t name_off;
    uint64_t name_len;
    uint64_t v[SM_NET_STATS];
};
int sm_parse_netdev(const char *buf, size_t len, struct sm_netdev *rows, size_t cap,
                    size_t *n);

/* A CPU list such as "0-3,8,10-11\n" (sysfs online/possible, cpuset files).
 * Ranges in input order; an empty list (just "\n") gives *n = 0. */
struct sm_range {
    uint64_t lo;
    uint64_t hi;
};
int sm_parse_cpulist(const char *buf, size_t len, struct sm_range *rows, size_t cap,
                     size_t *n);

/* cgroup v2 cpu.max: "max 100000" (quota -1) or "50000 100000". */
int sm_parse_cpumax(const char *buf, size_t len, int64_t *quota, uint64_t *period);

/* A file holding one signed integer and an optional newline (sysfs). */
int sm_parse_int(const char *buf, size_t len, int64_t *out);

/* Read a whole file (O_NOFOLLOW on the last component, to EOF) into the
 * context's buffer: returns its length and points *data at it (valid until
 * the next call on ctx), or -errno. */
long sm_read_file(struct sm_ctx *ctx, const char *path, const char **data);
/* ---- sockets (issue 4): pure parsers in parse_net.c, I/O in scan_net.c ----
 * The contract both backends follow is sysmon/_rawnet.py.  Parsers return the
 * source's raw values; the domain module (sysmon/sockets.py) normalizes. */

/* Bits of sm_sock.have: which optional values the source gave. */
#define SM_SKH_UID    0x1   /* uid (inet: always; unix: netlink UNIX_DIAG_UID) */
#define SM_SKH_QUEUES 0x2   /* rqueue, wqueue (inet: always; unix: UNIX_DIAG_RQLEN) */
#define SM_SKH_PEER   0x4   /* peer (unix, netlink UNIX_DIAG_PEER) */
#define SM_SKH_NAME   0x8   /* name_off/name_len (unix: a bound name) */
#define SM_SKH_INFO   0x10  /* rtt, rttvar, retrans (tcp_info up to tcpi_total_retrans) */
#define SM_SKH_BYTES  0x20  /* bytes_acked, bytes_received (tcp_info that long) */

/* Status bits of sm_parse_diag. */
#define SM_DIAG_DONE  0x1   /* NLMSG_DONE was seen: the dump is complete */
#define SM_DIAG_INTR  0x2   /* a message carried NLM_F_DUMP_INTR */
#define SM_DIAG_ERROR 0x4   /* the negative return is an NLMSG_ERROR's errno (the
                               kernel's), not a malformed reply: tells them apart
                               when the kernel's errno is itself EINVAL */

/* One socket, from a sock_diag reply or a /proc/net line.  The first twelve
 * fields are in the order of sysmon._rawnet's SockRaw tuple, so that
 * sysmon/_native_net.py unpacks an inet row straight into it. */
struct sm_sock {
    uint8_t  family;         /* AF_INET, AF_INET6, AF_UNIX */
    uint16_t type;           /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET (/proc/net/unix
                                prints Type with 16 bits) */
    uint8_t  proto;          /* IPPROTO_TCP, IPPROTO_UDP; 0 for unix */
    uint8_t  state;          /* the source's state number, as is */
    uint8_t  laddr[16];      /* network byte order; AF_INET uses the first 4 */
    uint16_t lport;          /* host order */
    uint8_t  raddr[16];
    uint16_t rport;
    uint64_t inode;
    uint32_t uid;
    uint32_t rqueue;
    uint32_t wqueue;
    uint32_t peer;           /* unix: the peer's inode */
    uint32_t flags;          /* /proc/net/unix "Flags" column; 0 from netlink and inet */
    uint32_t have;           /* SM_SKH_* */
    uint32_t rtt;            /* tcp_info tcpi_rtt, microseconds */
    uint32_t rttvar;         /* tcp_info tcpi_rttvar, microseconds */
    uint32_t retrans;        /* tcp_info tcpi_total_retrans */
    uint64_t name_off;       /* unix name: offset into the input (parsers) or arena (dump) */
    uint64_t name_len;
    uint64_t bytes_acked;    /* tcp_info tcpi_bytes_acked */
    uint64_t bytes_received; /* tcp_info tcpi_bytes_received */
};

/* Messages of a sock_diag dump (one recv() buffer; messages must be whole).
 * proto (IPPROTO_TCP or IPPROTO_UDP) is what inet rows were asked for.
 * Returns 0, -ENOBUFS (*n = rows needed), -EINVAL (malformed), or the
 * negative errno of an NLMSG_ERROR message (with SM_DIAG_ERROR in *status).
 * *status gets SM_DIAG_* bits. */
int sm_parse_diag(const char *buf, size_t len, int proto, struct sm_sock *rows, size_t cap,
                  size_t *n, uint32_t *status);
/* /proc/net/{tcp,tcp6,udp,udp6}: family AF_INET or AF_INET6, proto as above. */
int sm_parse_net_inet(const char *buf, size_t len, int family, int proto,
                      struct sm_sock *rows, size_t cap, size_t *n);
/* /proc/net/unix */
int sm_parse_net_unix(const char *buf, size_t len, struct sm_sock *rows, size_t cap,
                      size_t *n);
/* A /proc/<pid>/fd link target: "socket:[N]" -> 0 and *inode = N, else -EINVAL. */
int sm_parse_socklink(const char *buf, size_t len, uint64_t *inode);

/*
 * Dump one table over NETLINK_SOCK_DIAG: family AF_INET or AF_INET6 with
 * proto IPPROTO_TCP/IPPROTO_UDP, or AF_UNIX (proto ignored).  states is the
 * kernel's state mask (1 << state).  want_info asks TCP for tcp_info.
 * Unix names are copied to arena.  Returns 0; -ENOBUFS when rows or arena
 * were too small (the whole dump is still drained; *n and *arena_used say
 * what is needed); -errno from the socket calls or an NLMSG_ERROR reply;
 * -EBADMSG for a malformed or truncated reply (not -EINVAL, which the kernel
 * itself may answer).
 */
int sm_diag_dump(struct sm_ctx *ctx, int family, int proto, uint32_t states, int want_info,
                 struct sm_sock *rows, size_t cap, char *arena, size_t arena_cap,
                 size_t *n, size_t *arena_used);

/* A socket open in a process: "socket:[inode]" at /proc/<pid>/fd/<fd>. */
struct sm_sockref {
    uint64_t inode;
    int32_t  pid;
    int32_t  fd;
};
/* The name (comm) of a process that holds at least one socket. */
struct sm_pidname {
    int32_t  pid;
    int32_t  err;            /* 0, or the errno reading comm */
    uint32_t name_len;
    char     name[SM_NAME_CAP];
};

/*
 * Every socket fd of every process under proc_path (only_pid < 0), or of
 * only_pid.  A process that vanishes or denies its fd directory is skipped.
 * names[] gets one row per process with at least one socket fd.  Returns 0,
 * -ENOBUFS (the counts say what is needed), or -errno when proc_path cannot
 * be read or we run out of memory or fds.
 */
int sm_scan_sockfds(struct sm_ctx *ctx, const char *proc_path, int32_t only_pid,
                    struct sm_sockref *refs, size_t cap, struct sm_pidname *names,
                    size_t names_cap, size_t *n_refs, size_t *n_names);

/* The socket fds of one process through its held directory fd (pid fills
 * the rows).  0, -ESRCH when it is gone, -ENOBUFS (*n says), or the -errno
 * of opening or reading its "fd" directory or of a denied link (-EACCES,
 * -EPERM); other unreadable links are skipped. */
int sm_read_sockfds(struct sm_ctx *ctx, int dirfd, int32_t pid, struct sm_sockref *refs,
                    size_t cap, size_t *n);
/* ---- one process in depth (issue 5): parse_pid.c (pure), scan_pid.c (I/O) --
 * The contract, with the acceptance rules, is sysmon/_rawpid.py; the Python
 * twin is sysmon/_pure_pid.py.
 */

/* The keys of /proc/<pid>/status that sm_parse_status_ext reads: index into
 * sm_status_ext.v[] and bit (1 << index) of .have.  Format of each value. */
#define SM_SX_VOLUNTARY     0   /* voluntary_ctxt_switches     decimal */
#define SM_SX_NONVOLUNTARY  1   /* nonvoluntary_ctxt_switches  decimal */
#define SM_SX_CAPINH        2   /* CapInh      hex */
#define SM_SX_CAPPRM        3   /* CapPrm      hex */
#define SM_SX_CAPEFF        4   /* CapEff      hex */
#define SM_SX_CAPBND        5   /* CapBnd      hex */
#define SM_SX_CAPAMB        6   /* CapAmb      hex */
#define SM_SX_NONEWPRIVS    7   /* NoNewPrivs  decimal */
#define SM_SX_SECCOMP       8   /* Seccomp     decimal */
#define SM_SX_SIGPND        9   /* SigPnd      hex */
#define SM_SX_SHDPND        10  /* ShdPnd      hex */
#define SM_SX_SIGBLK        11  /* SigBlk      hex */
#define SM_SX_SIGIGN        12  /* SigIgn      hex */
#define SM_SX_SIGCGT        13  /* SigCgt      hex */
#define SM_SX_UMASK         14  /* Umask       octal */
#define SM_SX_N             15
struct sm_status_ext {
    uint64_t v[SM_SX_N];
    uint32_t have;              /* bit (1 << SM_SX_x) set when the key was present */
};
int sm_parse_status_ext(const char *buf, size_t len, struct sm_status_ext *out);

/* /proc/<pid>/smaps_rollup: the header line (its first token holds a '-')
 * is skipped, the rest is parsed as meminfo is (sm_parse_kv, colon = 1).
 * Key offsets are into the whole input. */
int sm_parse_rollup(const char *buf, size_t len, struct sm_kv *rows, size_t cap, size_t *n);

/* /proc/<pid>/limits: one row per limit; "unlimited" is UINT64_MAX.
 * Offsets are into the input. */
struct sm_limit {
    uint64_t soft;
    uint64_t hard;
    uint32_t name_off;
    uint32_t name_len;
    uint32_t units_off;
    uint32_t units_len;         /* 0 when the line has no units column */
};
int sm_parse_limits(const char *buf, size_t len, struct sm_limit *rows, size_t cap, size_t *n);

/* /proc/<pid>/cgroup: "hierarchy-id:controllers:path" per line. */
struct sm_cgroup {
    uint64_t id;
    uint32_t ctl_off;
    uint32_t ctl_len;
    uint32_t path_off;
    uint32_t path_len;
};
int sm_parse_cgroup(const char *buf, size_t len, struct sm_cgroup *rows, size_t cap, size_t *n);

/* /proc/<pid>/fdinfo/<fd>: the keys sysmon reads (others are ignored).
 * Bits of .have: */
#define SM_FI_POS     0x1       /* pos:    signed decimal */
#define SM_FI_FLAGS   0x2       /* flags:  octal */
#define SM_FI_MNT_ID  0x4       /* mnt_id: decimal */
#define SM_FI_INO     0x8       /* ino:    decimal */
struct sm_fdinfo {
    int64_t  pos;
    uint64_t flags;
    uint64_t mnt_id;
    uint64_t ino;
    uint32_t have;
};
int sm_parse_fdinfo(const char *buf, size_t len, struct sm_fdinfo *out);

/* Longest link target sm_readlink_at and sm_read_fds return; a longer one
 * is -ENAMETOOLONG. */
#define SM_LINK_CAP 4096

/* The whole of dirfd/name (O_NOFOLLOW, read to EOF) into the context's
 * buffer: its length, *data valid until the next call on ctx; or -errno. */
long sm_read_file_at(struct sm_ctx *ctx, int dirfd, const char *name, const char **data);

/* readlinkat(dirfd, name) into buf[0..SM_LINK_CAP): the length, or -errno. */
long sm_readlink_at(int dirfd, const char *name, char *buf);

/* fstatat(dirfd, name) following the link (a /proc magic link leads to the
 * open file itself): 0 or -errno. */
int sm_stat_at(int dirfd, const char *name, uint32_t *mode, uint64_t *nlink);

/* One open file descriptor of a process. */
struct sm_fd {
    int32_t  fd;
    int32_t  link_err;          /* 0, or the errno of readlinkat (no target) */
    int32_t  stat_err;          /* 0, ENODATA when not followed, or the errno of fstatat */
    int32_t  info_err;          /* 0, or the errno reading fdinfo/<fd> (EINVAL: malformed) */
    uint32_t mode;              /* st_mode of the open file (0 unless stat_err == 0) */
    uint32_t target_len;
    uint64_t nlink;             /* st_nlink of the open file (0 unless stat_err == 0) */
    uint64_t target_off;        /* the link target's bytes in the arena */
    struct sm_fdinfo info;      /* all 0 unless info_err == 0 */
};

/*
 * Every fd of a process through its held directory fd: readlinkat of fd/<n>,
 * fstatat following it when follow != 0, and fdinfo/<n>.  Entries whose
 * name is not a canonical fd number are skipped; an fd that closes during
 * the read (ENOENT from any of the three) is left out.  Order unspecified.
 * Returns 0, -ENOBUFS when rows or arena were too small (*n and
 * *arena_used say what is needed), or -errno when fd/ cannot be opened or
 * read (ENOENT: the process is gone; EACCES).
 */
int sm_read_fds(struct sm_ctx *ctx, int dirfd, int follow, struct sm_fd *rows, size_t cap,
                char *arena, size_t arena_cap, size_t *n, size_t *arena_used);
/* cffi-cdef-end */

#endif
