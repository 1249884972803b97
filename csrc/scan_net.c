/*
 * scan_net.c: socket I/O.  One NETLINK_SOCK_DIAG dump per table, and the
 * socket fds of processes (readlinkat of /proc/<pid>/fd/<n>).  Parsing is
 * parse_net.c's; the rules are the contract in sysmon/_rawnet.py.
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
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>


/* What sm_diag_dump returns for a malformed or truncated reply: not EINVAL,
 * which the kernel itself may answer (an NLMSG_ERROR) and which must then
 * reach the caller as that errno.  sysmon/_native_net.py maps it to
 * ParseError("<sock_diag reply>"). */
#define SM_DIAG_MALFORMED (-EBADMSG)

/* The receive buffer: the kernel's dump datagrams stay far below it. */
#define NL_BUF_SIZE (64 * 1024)

/* Errors that are this process's limits, not the target's: they end a scan. */
static int is_fatal(int err)
{
    return err == ENOMEM || err == EMFILE || err == ENFILE;
}

/* ---- sock_diag dumps ---------------------------------------------------- */

static int send_request(int fd, int family, int proto, uint32_t states, int want_info)
{
    struct {
        struct nlmsghdr h;
        union {
            struct inet_diag_req_v2 inet;
            struct unix_diag_req unix_;
        } r;
    } req;
    struct sockaddr_nl kernel;
    size_t plen;
    ssize_t sent;

    memset(&req, 0, sizeof(req));
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    if (family == AF_UNIX) {
        req.r.unix_.sdiag_family = AF_UNIX;
        req.r.unix_.udiag_states = states;
        req.r.unix_.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN |
                                 UDIAG_SHOW_UID;
        plen = sizeof(req.r.unix_);
    } else {
        req.r.inet.sdiag_family = (uint8_t)family;
        req.r.inet.sdiag_protocol = (uint8_t)proto;
        req.r.inet.idiag_ext =
            (want_info && proto == IPPROTO_TCP) ? (uint8_t)(1u << (INET_DIAG_INFO - 1)) : 0;
        req.r.inet.idiag_states = states;
        plen = sizeof(req.r.inet);
    }
    req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(plen);
    req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = 1;
    do {
        sent = sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
                      sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0)
        return -errno;
    return (size_t)sent == req.h.nlmsg_len ? 0 : -EIO;
}

/* Spare rows for one datagram whose rows do not fit the caller's array. */
static int ensure_socks(struct sm_ctx *ctx, size_t need)
{
    struct sm_sock *p;

    if (need <= ctx->socks_cap)
        return 0;
    if (need > SIZE_MAX / sizeof(*p))
        return -ENOMEM;
    p = realloc(ctx->socks, need * sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    ctx->socks = p;
    ctx->socks_cap = need;
    return 0;
}

/* Receive one datagram from the kernel into ctx->nl: its length, 0 for one
 * to ignore (not from the kernel), or -errno. */
static long recv_datagram(int fd, struct sm_ctx *ctx)
{
    for (;;) {
        struct sockaddr_nl from;
        struct iovec iov = { .iov_base = ctx->nl.data, .iov_len = ctx->nl.cap };
        struct msghdr mh;
        ssize_t r;

        memset(&from, 0, sizeof(from));
        memset(&mh, 0, sizeof(mh));
        mh.msg_name = &from;
        mh.msg_namelen = sizeof(from);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        r = recvmsg(fd, &mh, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            /* the socket's receive queue overran: replies were lost */
            return errno == ENOBUFS ? -EIO : -errno;
        }
        if (from.nl_pid != 0)
            return 0; /* not from the kernel: ignored, whatever its size */
        if (mh.msg_flags & MSG_TRUNC)
            return SM_DIAG_MALFORMED;
        return (long)r;
    }
}

int sm_diag_dump(struct sm_ctx *ctx, int family, int proto, uint32_t states, int want_info,
                 struct sm_sock *rows, size_t cap, char *arena, size_t arena_cap,
                 size_t *n, size_t *arena_used)
{
    size_t nrows = 0, used = 0;
    uint32_t status = 0;
    int fd, rc;

    *n = 0;
    *arena_used = 0;
    if (ctx->nl.data == NULL && (rc = sm_buf_init(&ctx->nl, NL_BUF_SIZE)) != 0)
        return rc;
    fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -errno;
    rc = send_request(fd, family, proto, states, want_info);
    while (rc == 0 && !(status & SM_DIAG_DONE)) {
        const char *buf = ctx->nl.data;
        long len = recv_datagram(fd, ctx);
        size_t room = cap > nrows ? cap - nrows : 0;
        struct sm_sock *src = room ? rows + nrows : rows;
        size_t k;

        if (len <= 0) {
            rc = (int)len;
            if (len == 0)
                continue;
            break;
        }
        rc = sm_parse_diag(buf, (size_t)len, proto, src, room, &k, &status);
        if (rc == -ENOBUFS && !(status & SM_DIAG_ERROR)) {
            /* more rows than room: parse again into spare rows, to count
             * them and their names, and keep what fits */
            rc = ensure_socks(ctx, k);
            if (rc == 0)
                rc = sm_parse_diag(buf, (size_t)len, proto, ctx->socks, k, &k, &status);
            src = ctx->socks;
        }
        if (rc != 0) {
            if (!(status & SM_DIAG_ERROR) && rc != -ENOMEM)
                rc = SM_DIAG_MALFORMED;
            break; /* an NLMSG_ERROR: the kernel's errno, as it is */
        }
        for (size_t i = 0; i < k; i++) {
            struct sm_sock *s = &src[i];

            if (s->have & SM_SKH_NAME) {
                size_t nlen = (size_t)s->name_len;

                if (nlen <= arena_cap && used <= arena_cap - nlen)
                    memcpy(arena + used, buf + s->name_off, nlen);
                s->name_off = used;
                used += nlen;
            }
            if (src == ctx->socks && i < room)
                rows[nrows + i] = *s;
        }
        nrows += k;
    }
    close(fd);
    *n = nrows;
    *arena_used = used;
    if (rc == 0 && (nrows > cap || used > arena_cap))
        rc = -ENOBUFS;
    return rc;
}

/* ---- socket fds of processes -------------------------------------------- */

/*
 * Append the socket fds of the process whose directory is pidfd to refs
 * (rows past cap are counted in *n, not written).  Returns 0, or -errno of
 * opening or reading its "fd" directory (ENOENT/ESRCH: gone; EACCES: denied),
 * or -ENOMEM.  A link that cannot be read is skipped (closed meanwhile:
 * ENOENT; a target longer than PATH_MAX: ENAMETOOLONG, never a socket),
 * except, when strict, one that is denied (EACCES/EPERM: a listable
 * directory whose links are not ours to read): then its -errno.
 */
static int read_fds(int pidfd, int32_t pid, struct sm_sockref *refs, size_t cap, size_t *n,
                    int strict)
{
    char link[4096];
    struct dirent *de;
    DIR *dir;
    int fdd, rc = 0;

    dir = sm_opendir_at(pidfd, "fd", O_NOFOLLOW, &rc);
    if (dir == NULL)
        return rc;
    fdd = dirfd(dir);
    for (;;) {
        uint64_t inode;
        ssize_t len;
        int32_t fd;

        errno = 0;
        de = readdir(dir);
        if (de == NULL) {
            rc = -errno;
            break;
        }
        if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
            continue;
        fd = sm_fd_name(de->d_name);
        if (fd < 0)
            continue;
        len = readlinkat(fdd, de->d_name, link, sizeof(link));
        if (len < 0) {
            if (errno == ENOMEM || (strict && (errno == EACCES || errno == EPERM))) {
                rc = -errno;
                break;
            }
            continue;
        }
        if ((size_t)len == sizeof(link) || sm_parse_socklink(link, (size_t)len, &inode) != 0)
            continue;
        if (*n < cap) {
            refs[*n].inode = inode;
            refs[*n].pid = pid;
            refs[*n].fd = fd;
        }
        (*n)++;
    }
    closedir(dir);
    return rc;
}

/* comm of a process with sockets, into a names[] row. */
static int read_comm(struct sm_ctx *ctx, int pidfd, int32_t pid, struct sm_pidname *row)
{
    long len = sm_read_at(pidfd, "comm", &ctx->buf);

    memset(row, 0, sizeof(*row));
    row->pid = pid;
    if (len < 0) {
        if (is_fatal((int)-len))
            return (int)len;
        row->err = (int32_t)-len;
        return 0;
    }
    if (len > 0 && ctx->buf.data[len - 1] == '\n')
        len--;
    if (len > SM_NAME_CAP)
        len = SM_NAME_CAP;
    memcpy(row->name, ctx->buf.data, (size_t)len);
    row->name_len = (uint32_t)len;
    return 0;
}

struct fd_scan {
    struct sm_sockref *refs;
    size_t cap;
    struct sm_pidname *names;
    size_t names_cap;
    size_t n_refs;
    size_t n_names;
};

/* One pid directory of a scan.  0 (kept, or skipped: vanished or denied)
 * or a fatal -errno. */
static int scan_pid(struct sm_ctx *ctx, int procfd, const char *name, int32_t pid,
                    struct fd_scan *s)
{
    struct sm_pidname spare;
    size_t before = s->n_refs;
    int pidfd, rc;

    pidfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pidfd < 0)
        return is_fatal(errno) ? -errno : 0;
    rc = read_fds(pidfd, pid, s->refs, s->cap, &s->n_refs, 0);
    if (rc < 0) {
        s->n_refs = before; /* vanished or denied: skipped whole */
        close(pidfd);
        return is_fatal(-rc) ? rc : 0;
    }
    if (s->n_refs > before) {
        rc = read_comm(ctx, pidfd, pid,
                       s->n_names < s->names_cap ? &s->names[s->n_names] : &spare);
        if (rc == 0)
            s->n_names++;
    }
    close(pidfd);
    return rc;
}

int sm_scan_sockfds(struct sm_ctx *ctx, const char *proc_path, int32_t only_pid,
                    struct sm_sockref *refs, size_t cap, struct sm_pidname *names,
                    size_t names_cap, size_t *n_refs, size_t *n_names)
{
    struct fd_scan s = { .refs = refs, .cap = cap, .names = names, .names_cap = names_cap };
    struct dirent *de;
    DIR *dir;
    int procfd, rc = 0;

    *n_refs = 0;
    *n_names = 0;
    procfd = open(proc_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (procfd < 0)
        return -errno;
    if (only_pid >= 0) {
        char name[12];

        sm_pid_to_name(only_pid, name);
        rc = scan_pid(ctx, procfd, name, only_pid, &s);
        close(procfd);
    } else {
        dir = fdopendir(procfd);
        if (dir == NULL) {
            rc = -errno;
            close(procfd);
            return rc;
        }
        for (;;) {
            int32_t pid;

            errno = 0;
            de = readdir(dir);
            if (de == NULL) {
                rc = -errno;
                break;
            }
            if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                continue;
            pid = sm_pid_name(de->d_name);
            if (pid < 0)
                continue;
            rc = scan_pid(ctx, procfd, de->d_name, pid, &s);
            if (rc < 0)
                break;
        }
        closedir(dir);
    }
    *n_refs = s.n_refs;
    *n_names = s.n_names;
    if (rc == 0 && (s.n_refs > cap || s.n_names > names_cap))
        rc = -ENOBUFS;
    return rc;
}

int sm_read_sockfds(struct sm_ctx *ctx, int dirfd, int32_t pid, struct sm_sockref *refs,
                    size_t cap, size_t *n)
{
    int rc;

    (void)ctx;
    *n = 0;
    rc = read_fds(dirfd, pid, refs, cap, n, 1);
    if (rc == -ENOENT || rc == -ESRCH)
        return -ESRCH;
    if (rc < 0)
        return rc;
    return *n > cap ? -ENOBUFS : 0;
}
