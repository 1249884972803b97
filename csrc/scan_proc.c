/*
 * scan_proc.c: the process-table scanner (I/O).  Walks <proc_path>,
 * opens each pid directory once (O_DIRECTORY|O_NOFOLLOW), reads only the
 * files in the mask through openat, parses them and fills caller rows.
 */
#define _GNU_SOURCE
#include "sysmon.h"
#include "ctx.h"
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sm_ctx_new(struct sm_ctx **out)
{
    struct sm_ctx *ctx = calloc(1, sizeof(*ctx));
    int rc;

    if (ctx == NULL)
        return -ENOMEM;
    rc = sm_buf_init(&ctx->buf, 4096);
    if (rc) {
        free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

void sm_ctx_free(struct sm_ctx *ctx)
{
    if (ctx == NULL)
        return;
    sm_buf_free(&ctx->buf);
    sm_buf_free(&ctx->nl);
    free(ctx->socks);
    free(ctx);
}

/* Errors that are this process's limits, not the target's: they end the
 * scan (a silent partial table would be worse). */
static int is_fatal(long rc)
{
    return rc == -ENOMEM || rc == -EMFILE || rc == -ENFILE;
}

/* A pid directory we may not enter (EACCES, EPERM): the row is kept, every
 * requested file marked with that errno. */
static void deny_row(struct sm_proc *row, int32_t pid, uint32_t mask, int err)
{
    static const uint32_t bits[SM_NGROUPS] = {
        [SM_G_STAT] = SM_FILE_STAT, [SM_G_STATUS] = SM_FILE_STATUS,
        [SM_G_CMDLINE] = SM_FILE_CMDLINE,
    };

    memset(row, 0, sizeof(*row));
    row->pid = pid;
    for (int g = 0; g < SM_NGROUPS; g++)
        row->err[g] = (mask & bits[g]) ? err : ENODATA;
}

/* What reading one file of a row came to. */
#define GROUP_OK 0        /* bytes in ctx->buf, length in *len */
#define GROUP_ERR 1       /* denied or unreadable: row->err[g] says why */
#define GROUP_GONE (-ESRCH) /* the process vanished: drop the row */

/*
 * Read one file of a row into ctx->buf.  ENOENT and ESRCH mean the process
 * is gone; any other errno is recorded in *err and keeps the row.
 */
static int read_group(struct sm_ctx *ctx, int dirfd, const char *name,
                      int32_t *err, size_t *len)
{
    long n = sm_read_at(dirfd, name, &ctx->buf);

    if (n == -ENOENT || n == -ESRCH)
        return GROUP_GONE;
    if (is_fatal(n))
        return (int)n;
    if (n < 0) {
        *err = (int32_t)-n;
        return GROUP_ERR;
    }
    *err = 0;
    *len = (size_t)n;
    return GROUP_OK;
}

/* A /proc/<tid> directory of a thread that is not its group leader (Tgid -1: the
 * status has no Tgid line, so nothing says it is a thread). */
static int is_thread_tgid(int64_t tgid, int32_t pid)
{
    return tgid != -1 && tgid != pid;
}

static int is_thread(const struct sm_proc *row)
{
    return row->err[SM_G_STATUS] == 0 && is_thread_tgid(row->status.tgid, row->pid);
}

/*
 * The same check for a row whose mask leaves status out: read it for the
 * check only.  1 a thread, 0 not one or cannot tell (status missing, denied
 * or malformed, as is_thread() treats an unusable status), or a fatal -errno.
 */
static int is_thread_dir(struct sm_ctx *ctx, int dirfd, int32_t pid)
{
    struct sm_status st;
    long n = sm_read_at(dirfd, "status", &ctx->buf);

    if (is_fatal(n))
        return (int)n;
    if (n < 0 || sm_parse_status(ctx->buf.data, (size_t)n, &st) != 0)
        return 0;
    return is_thread_tgid(st.tgid, pid);
}

/*
 * Fill one row from an open pid directory.  Returns 0, -ESRCH (vanished)
 * or a fatal -errno (ENOMEM, EMFILE, ENFILE).  A file that does not parse zeroes its group and sets its
 * error to EINVAL.  Cmdline bytes are copied into the arena when they fit;
 * *arena_used grows by their length either way.
 */
static int read_row(struct sm_ctx *ctx, int dirfd, int32_t pid, uint32_t mask,
                    struct sm_proc *row, char *arena, size_t arena_cap,
                    size_t *arena_used)
{
    const char *buf;
    size_t len = 0;
    int r;

    memset(row, 0, sizeof(*row));
    row->pid = pid;
    for (int g = 0; g < SM_NGROUPS; g++)
        row->err[g] = ENODATA;

    if (mask & SM_FILE_STAT) {
        r = read_group(ctx, dirfd, "stat", &row->err[SM_G_STAT], &len);
        if (r < 0)
            return r;
        buf = ctx->buf.data;
        if (r == GROUP_OK && sm_parse_stat(buf, len, &row->stat) != 0) {
            memset(&row->stat, 0, sizeof(row->stat));
            row->err[SM_G_STAT] = EINVAL;
        } else if (r == GROUP_OK) {
            size_t nlen = row->stat.name_len < SM_NAME_CAP ? row->stat.name_len : SM_NAME_CAP;
            memcpy(row->name, buf + row->stat.name_off, nlen);
            row->name_len = (uint32_t)nlen;
        }
    }
    if (mask & SM_FILE_STATUS) {
        r = read_group(ctx, dirfd, "status", &row->err[SM_G_STATUS], &len);
        if (r < 0)
            return r;
        if (r == GROUP_OK && sm_parse_status(ctx->buf.data, len, &row->status) != 0) {
            memset(&row->status, 0, sizeof(row->status));
            row->err[SM_G_STATUS] = EINVAL;
        }
    }
    if (mask & SM_FILE_CMDLINE) {
        r = read_group(ctx, dirfd, "cmdline", &row->err[SM_G_CMDLINE], &len);
        if (r < 0)
            return r;
        if (r == GROUP_OK) {
            row->cmdline_off = *arena_used;
            row->cmdline_len = len;
            if (len <= arena_cap && *arena_used <= arena_cap - len)
                memcpy(arena + *arena_used, ctx->buf.data, len);
            *arena_used += len;
        }
    }
    return 0;
}

/* Where a scan puts its rows: the caller's arrays, and what they need. */
struct scan_out {
    struct sm_proc *rows;
    size_t cap;
    char *arena;
    size_t arena_cap;
    size_t n;               /* rows found (may exceed cap) */
    size_t used;            /* arena bytes they need (may exceed arena_cap) */
    struct sm_proc scratch; /* the row being read once rows[] is full */
};

/*
 * One entry of a scan: open <name> under procfd (the pid directory of pid)
 * and append its row to out, or leave it out (vanished, not a process
 * directory, a thread).  With find_threads, a thread's /proc/<tid> (which
 * readdir never lists but openat finds) is recognised whatever the mask:
 * status is read for the check alone when the mask leaves it out.
 * Returns 0 or a fatal -errno.
 */
static int scan_entry(struct sm_ctx *ctx, int procfd, const char *name, int32_t pid,
                      uint32_t mask, int find_threads, struct scan_out *out)
{
    struct sm_proc *row = out->n < out->cap ? &out->rows[out->n] : &out->scratch;
    size_t used = out->used;
    int pidfd, r;

    pidfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pidfd < 0) {
        int e = errno;

        if (is_fatal(-e))
            return -e;
        if (e != EACCES && e != EPERM)
            return 0; /* vanished, or not a process directory */
        deny_row(row, pid, mask, e);
        out->n++;
        return 0;
    }
    r = find_threads && !(mask & SM_FILE_STATUS) ? is_thread_dir(ctx, pidfd, pid) : 0;
    if (r == 0)
        r = read_row(ctx, pidfd, pid, mask, row, out->arena,
                     out->n < out->cap ? out->arena_cap : 0, &used);
    close(pidfd);
    if (r < 0 && r != -ESRCH)
        return r;
    if (r != 0 || is_thread(row))
        return 0; /* vanished or a thread: its bytes are not counted */
    out->used = used;
    out->n++;
    return 0;
}

/* The end of a scan: the counts, and -ENOBUFS when they did not fit. */
static int scan_done(const struct scan_out *out, int rc, size_t *n_rows, size_t *arena_used)
{
    *n_rows = out->n;
    *arena_used = out->used;
    if (rc == 0 && (out->n > out->cap || out->used > out->arena_cap))
        return -ENOBUFS;
    return rc;
}

int sm_scan_procs(struct sm_ctx *ctx, const char *proc_path, uint32_t mask,
                  struct sm_proc *rows, size_t cap,
                  char *arena, size_t arena_cap,
                  size_t *n_rows, size_t *arena_used)
{
    struct scan_out out = {.rows = rows, .cap = cap, .arena = arena, .arena_cap = arena_cap};
    struct dirent *de;
    int rc = 0;
    DIR *dir;

    *n_rows = 0;
    *arena_used = 0;
    dir = sm_opendir_at(AT_FDCWD, proc_path, 0, &rc);
    if (dir == NULL)
        return rc;
    for (;;) {
        int32_t pid;

        errno = 0;
        de = readdir(dir);
        if (de == NULL) {
            if (errno != 0)
                rc = -errno;
            break;
        }
        if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
            continue;
        pid = sm_pid_name(de->d_name);
        if (pid < 0)
            continue;
        rc = scan_entry(ctx, dirfd(dir), de->d_name, pid, mask, 0, &out);
        if (rc < 0)
            break;
    }
    closedir(dir);
    return scan_done(&out, rc, n_rows, arena_used);
}

int sm_scan_pids(struct sm_ctx *ctx, const char *proc_path, const int32_t *pids, size_t npids,
                 uint32_t mask, struct sm_proc *rows, size_t cap,
                 char *arena, size_t arena_cap, size_t *n_rows, size_t *arena_used)
{
    struct scan_out out = {.rows = rows, .cap = cap, .arena = arena, .arena_cap = arena_cap};
    int procfd, rc = 0;

    *n_rows = 0;
    *arena_used = 0;
    procfd = openat(AT_FDCWD, proc_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0)
        return -errno;
    for (size_t i = 0; i < npids && rc == 0; i++) {
        char name[12];

        if (pids[i] <= 0)
            continue; /* no process has it */
        sm_pid_to_name(pids[i], name);
        rc = scan_entry(ctx, procfd, name, pids[i], mask, 1, &out);
    }
    close(procfd);
    return scan_done(&out, rc, n_rows, arena_used);
}

int sm_open_pid(int procfd, int32_t pid)
{
    char name[12];
    int fd;

    if (pid <= 0)
        return -EINVAL;
    sm_pid_to_name(pid, name);
    fd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (errno == ENOTDIR || errno == ELOOP)
        return -ENOENT; /* not a process directory */
    return -errno;
}

int sm_read_proc(struct sm_ctx *ctx, int dirfd, int32_t pid, uint32_t mask,
                 struct sm_proc *row, char *arena, size_t arena_cap,
                 size_t *arena_used)
{
    int r;

    *arena_used = 0;
    r = read_row(ctx, dirfd, pid, mask, row, arena, arena_cap, arena_used);
    if (r < 0)
        return r;
    if (*arena_used > arena_cap)
        return -ENOBUFS;
    return 0;
}
