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
#define SM_FILE_STATM   0x4  /* /proc/<pid>/statm */
#define SM_FILE_CMDLINE 0x8  /* /proc/<pid>/cmdline */
#define SM_FILE_ALL     0xf

/* Index of each file group in sm_proc.err[] */
#define SM_G_STAT    0
#define SM_G_STATUS  1
#define SM_G_STATM   2
#define SM_G_CMDLINE 3
#define SM_NGROUPS   4

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

/* The few keys of /proc/<pid>/status that sysmon reads. */
struct sm_status {
    int64_t uid[4];        /* Uid: real, effective, saved, filesystem */
    int64_t gid[4];        /* Gid: real, effective, saved, filesystem */
    int64_t tgid;          /* Tgid: (-1 if absent) */
    int64_t pid;           /* Pid:  (-1 if absent) */
};

/* Parsed /proc/<pid>/statm (all in pages). */
struct sm_statm {
    uint64_t size;
    uint64_t resident;
    uint64_t shared;
};

/* One row of the process table.  Raw kernel units. */
struct sm_proc {
    struct sm_stat   stat;
    struct sm_status status;
    struct sm_statm  statm;
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
int sm_parse_statm(const char *buf, size_t len, struct sm_statm *out);

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
/* cffi-cdef-end */

#endif
