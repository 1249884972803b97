/*
 * scan_pid.c: the I/O of one process in depth, through its held
 * /proc/<pid> directory fd: whole files, link targets, stats of the files
 * behind magic links, and the open fds with their fdinfo.  Parsing is
 * parse_pid.c's; the rules are the contract in sysmon/_rawpid.py.
 */
#define _GNU_SOURCE
#include "sysmon.h"
#include "ctx.h"
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Errors that are this process's limits, not the target's: they end a read. */
static int is_fatal(int err)
{
    return err == ENOMEM || err == EMFILE || err == ENFILE;
}

long sm_read_file_at(struct sm_ctx *ctx, int dirfd, const char *name, const char **data)
{
    long n = sm_read_at(dirfd, name, &ctx->buf);

    if (n >= 0)
        *data = ctx->buf.data;
    return n;
}

long sm_readlink_at(int dirfd, const char *name, char *buf)
{
    ssize_t len = readlinkat(dirfd, name, buf, SM_LINK_CAP);

    if (len < 0)
        return -errno;
    if ((size_t)len >= SM_LINK_CAP)
        return -ENAMETOOLONG; /* possibly cut: a target of SM_LINK_CAP or more */
    return (long)len;
}

int sm_stat_at(int dirfd, const char *name, uint32_t *mode, uint64_t *nlink)
{
    struct stat st;

    *mode = 0;
    *nlink = 0;
    if (fstatat(dirfd, name, &st, 0) != 0)
        return -errno;
    *mode = (uint32_t)st.st_mode;
    *nlink = (uint64_t)st.st_nlink;
    return 0;
}

/* "fdinfo/" and the fd's name (canonical: at most 10 digits). */
#define FDINFO_PREFIX "fdinfo/"
#define FDINFO_PATH_CAP (sizeof(FDINFO_PREFIX) + 16)

/* What a failed step of reading one fd means: 0 when it is ENOENT (the fd
 * closed meanwhile: the row is left out), the -errno itself when it is
 * fatal, else 1 (the row is kept with this errno). */
static int step_failed(long r)
{
    if (r == -ENOENT)
        return 0;
    if (is_fatal((int)-r))
        return (int)r;
    return 1;
}

/*
 * One fd of the fd directory fdd (name: its canonical entry name) into row,
 * its target into link[0..*link_len).  1 when the row is filled, 0 when the
 * fd closed meanwhile (left out), or a fatal -errno.
 */
static int read_one_fd(struct sm_ctx *ctx, int dirfd, int fdd, const char *name, int follow,
                       struct sm_fd *row, char *link, size_t *link_len)
{
    char path[FDINFO_PATH_CAP];
    size_t nlen = strlen(name);
    long r;
    int rc;

    memset(row, 0, sizeof(*row));
    *link_len = 0;
    r = sm_readlink_at(fdd, name, link);
    if (r < 0 && (rc = step_failed(r)) != 1)
        return rc;
    if (r < 0)
        row->link_err = (int32_t)-r;
    else
        *link_len = (size_t)r;

    if (follow) {
        r = sm_stat_at(fdd, name, &row->mode, &row->nlink);
        if (r < 0 && (rc = step_failed(r)) != 1)
            return rc;
        row->stat_err = (int32_t)-r;
    } else {
        row->stat_err = ENODATA; /* a tree's plain symlink: never followed out of it */
    }

    if (nlen > sizeof(path) - sizeof(FDINFO_PREFIX))
        return 0; /* cannot happen: a canonical name has at most 10 digits */
    memcpy(path, FDINFO_PREFIX, sizeof(FDINFO_PREFIX) - 1);
    memcpy(path + sizeof(FDINFO_PREFIX) - 1, name, nlen + 1);
    r = sm_read_at(dirfd, path, &ctx->buf);
    if (r < 0 && (rc = step_failed(r)) != 1)
        return rc;
    if (r < 0)
        row->info_err = (int32_t)-r;
    else if (sm_parse_fdinfo(ctx->buf.data, (size_t)r, &row->info) != 0)
        row->info_err = EINVAL; /* sm_parse_fdinfo left row->info zeroed */
    return 1;
}

int sm_read_fds(struct sm_ctx *ctx, int pid_dirfd, int follow, struct sm_fd *rows, size_t cap,
                char *arena, size_t arena_cap, size_t *n, size_t *arena_used)
{
    char link[SM_LINK_CAP];
    struct sm_fd spare;
    struct dirent *de;
    size_t nrows = 0, used = 0;
    DIR *dir;
    int fdd, rc = 0;

    *n = 0;
    *arena_used = 0;
    dir = sm_opendir_at(pid_dirfd, "fd", O_NOFOLLOW, &rc);
    if (dir == NULL)
        return rc;
    fdd = dirfd(dir);
    for (;;) {
        struct sm_fd *row = nrows < cap ? &rows[nrows] : &spare;
        size_t llen;
        int32_t fd;

        errno = 0;
        de = readdir(dir);
        if (de == NULL) {
            rc = -errno;
            break;
        }
        /* no d_type filter: a tree's fd/ may hold other kinds of entry,
         * which are rows with link_err set (the contract lists every name) */
        fd = sm_fd_name(de->d_name);
        if (fd < 0)
            continue;
        rc = read_one_fd(ctx, pid_dirfd, fdd, de->d_name, follow, row, link, &llen);
        if (rc < 0)
            break;
        if (rc == 0)
            continue;
        rc = 0;
        row->fd = fd;
        row->target_off = used;
        row->target_len = (uint32_t)llen;
        if (llen > 0 && llen <= arena_cap && used <= arena_cap - llen)
            memcpy(arena + used, link, llen);
        used += llen;
        nrows++;
    }
    closedir(dir);
    *n = nrows;
    *arena_used = used;
    if (rc == 0 && (nrows > cap || used > arena_cap))
        rc = -ENOBUFS;
    return rc;
}
