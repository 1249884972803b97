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
        [SM_G_STATM] = SM_FILE_STATM, [SM_G_CMDLINE] = SM_FILE_CMDLINE,
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
static int is_thread(const struct sm_proc *row)
{
    return row->err[SM_G_STATUS] == 0 && row->status.tgid != -1 &&
           row->status.tgid != row->pid;
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
    if (mask & SM_FILE_STATM) {
        r = read_group(ctx, dirfd, "statm", &row->err[SM_G_STATM], &len);
        if (r < 0)
            return r;
        if (r == GROUP_OK && sm_parse_statm(ctx->buf.data, len, &row->statm) != 0) {
            memset(&row->statm, 0, sizeof(row->statm));
            row->err[SM_G_STATM] = EINVAL;
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

int sm_scan_procs(struct sm_ctx *ctx, const char *proc_path, uint32_t mask,
                  struct sm_proc *rows, size_t cap,
                  char *arena, size_t arena_cap,
                  size_t *n_rows, size_t *arena_used)
{
    struct sm_proc scratch;
    struct dirent *de;
    size_t n = 0, used = 0;
    int procfd, rc = 0;
    DIR *dir;

    *n_rows = 0;
    *arena_used = 0;
    dir = sm_opendir_at(AT_FDCWD, proc_path, 0, &rc);
    if (dir == NULL)
        return rc;
    procfd = dirfd(dir);
    for (;;) {
        struct sm_proc *row;
        size_t used_before = used;
        int32_t pid;
        int pidfd, r;

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
        row = n < cap ? &rows[n] : &scratch;
        pidfd = openat(procfd, de->d_name,
                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pidfd < 0) {
            int e = errno;

            if (is_fatal(-e)) {
                rc = -e;
                break;
            }
            if (e != EACCES && e != EPERM)
                continue; /* vanished, or not a process directory */
            deny_row(row, pid, mask, e);
            n++;
            continue;
        }
        r = read_row(ctx, pidfd, pid, mask, row, arena, n < cap ? arena_cap : 0,
                     &used);
        close(pidfd);
        if (r < 0 && r != -ESRCH) {
            rc = r;
            break;
        }
        if (r != 0 || is_thread(row)) {
            used = used_before; /* vanished or a thread: drop its bytes */
            continue;
        }
        n++;
    }
    closedir(dir);
    *n_rows = n;
    *arena_used = used;
    if (rc == 0 && (n > cap || used > arena_cap))
        rc = -ENOBUFS;
    return rc;
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
