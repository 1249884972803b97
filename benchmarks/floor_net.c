/*
 * floor_net.c: the syscall floor for sysmon's network-connections API.
 *
 * The kernel work of sysmon.connections(kind, pids) and nothing else: the
 * same NETLINK_SOCK_DIAG dumps and, with pids, the same /proc/<pid>/fd walk,
 * with the replies and link texts left unparsed.
 *
 * Dumps (one per table: tcp4, tcp6, and udp4, udp6 for "inet"), as in
 * sysmon/_rawnet.py diag_dump:
 *
 *   fd = socket(AF_NETLINK, SOCK_DGRAM|SOCK_CLOEXEC, NETLINK_SOCK_DIAG)
 *   sendto(fd, nlmsghdr(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST|NLM_F_DUMP)
 *              + inet_diag_req_v2(family, proto, ext 0, states all), kernel)
 *   recvfrom(fd, buf, 64 KiB) until NLMSG_DONE
 *   close(fd)
 *
 * The only look at a reply is the walk over the nlmsghdr lengths of each
 * datagram, needed to see NLMSG_DONE (the kernel may append it to the last
 * batch of sockets) and an NLMSG_ERROR; the messages are counted on the way.
 * No socket payload is read.
 *
 * Owners (with pids), as in _rawnet.py scan_sockfds:
 *
 *   opendir(proc_path); for each canonical pid entry:
 *       pfd = openat(procfd, pid, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)
 *       ffd = openat(pfd, "fd", the same flags); fdopendir(ffd)
 *       for each fd entry: readlinkat(ffd, name, buf, sizeof buf)
 *       closedir
 *       if a link began with "socket:[":   (a memcmp, the least test there is)
 *           read comm: openat(pfd, "comm") + read to EOF + close
 *       close(pfd)
 *   closedir
 *
 *   long floor_net(unsigned tables, const char *proc_path, long *links)
 *       tables: bit 0 tcp4, bit 1 tcp6, bit 2 udp4, bit 3 udp6.
 *       proc_path NULL: no fd walk.  Returns the number of sockets the dumps
 *       returned (SOCK_DIAG_BY_FAMILY messages) or -errno; *links (when not
 *       NULL) gets the number of socket links seen in the walk.
 *
 * Build as a library:   gcc -O2 -shared -fPIC -o libfloor_net.so floor_net.c
 * Build standalone:     gcc -O2 -DFLOOR_MAIN -o floor_net floor_net.c
 *                       ./floor_net [tables] [pids 0|1] [iterations] [proc_path]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>

#ifdef FLOOR_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#endif

long floor_net(unsigned tables, const char *proc_path, long *links);

/* The receive buffer: 64 KiB, as sysmon's ("at least 64 KiB"). */
static char floor_rbuf[65536] __attribute__((aligned(8)));
static char floor_small[4096];

static const struct {
    unsigned char family, proto;
} floor_tables[4] = {
    { AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
    { AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
};

/* One dump; returns the number of socket messages or -errno. */
static long floor_dump(unsigned char family, unsigned char proto, uint32_t seq)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -errno;
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 req;
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.nlh.nlmsg_seq = seq;
    msg.req.sdiag_family = family;
    msg.req.sdiag_protocol = proto;
    msg.req.idiag_states = 0xFFFFFFFFu;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    long count = 0;
    if (sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        count = -errno;
        goto out;
    }
    for (;;) {
        ssize_t n = recvfrom(fd, floor_rbuf, sizeof floor_rbuf, 0, NULL, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            count = -errno;
            goto out;
        }
        if (n == 0) {
            count = -EIO;
            goto out;
        }
        size_t off = 0, left = (size_t)n;
        while (left >= sizeof(struct nlmsghdr)) {
            const struct nlmsghdr *h = (const struct nlmsghdr *)(floor_rbuf + off);
            if (h->nlmsg_len < sizeof *h || h->nlmsg_len > left) {
                count = -EINVAL;
                goto out;
            }
            if (h->nlmsg_type == NLMSG_DONE)
                goto out;
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && e->error != 0) {
                    count = e->error;
                    goto out;
                }
            } else if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
                count++;
            }
            size_t step = NLMSG_ALIGN(h->nlmsg_len);
            if (step >= left)
                break;
            off += step;
            left -= step;
        }
    }
out:
    close(fd);
    return count;
}

/* Canonical positive decimal: no sign, no leading zero, digits only. */
static int is_pid_name(const char *s)
{
    if (s[0] < '1' || s[0] > '9')
        return 0;
    for (s++; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Names of fd entries: digits ("." and ".." are skipped). */
static int is_fd_name(const char *s)
{
    return s[0] >= '0' && s[0] <= '9';
}

static long floor_walk(const char *proc_path)
{
    DIR *d = opendir(proc_path);
    if (d == NULL)
        return -errno;
    int procfd = dirfd(d);
    long links = 0;
    struct dirent *de;
    const int dflags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

    while ((de = readdir(d)) != NULL) {
        if (!is_pid_name(de->d_name))
            continue;
        int pfd = openat(procfd, de->d_name, dflags);
        if (pfd < 0)
            continue;
        int ffd = openat(pfd, "fd", dflags);
        if (ffd < 0) {
            close(pfd);
            continue;
        }
        DIR *fdir = fdopendir(ffd);
        if (fdir == NULL) {
            close(ffd);
            close(pfd);
            continue;
        }
        long mine = 0;
        struct dirent *fe;
        while ((fe = readdir(fdir)) != NULL) {
            if (!is_fd_name(fe->d_name))
                continue;
            ssize_t n = readlinkat(ffd, fe->d_name, floor_small, 64);
            if (n >= 8 && memcmp(floor_small, "socket:[", 8) == 0)
                mine++;
        }
        closedir(fdir);
        if (mine) {
            links += mine;
            int cfd = openat(pfd, "comm", O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
            if (cfd >= 0) {
                while (read(cfd, floor_small, sizeof floor_small) > 0)
                    ;
                close(cfd);
            }
        }
        close(pfd);
    }
    closedir(d);
    return links;
}

long floor_net(unsigned tables, const char *proc_path, long *links)
{
    static uint32_t seq;
    long total = 0;
    for (unsigned t = 0; t < 4; t++) {
        if (!(tables & (1u << t)))
            continue;
        long n = floor_dump(floor_tables[t].family, floor_tables[t].proto, ++seq);
        if (n < 0)
            return n;
        total += n;
    }
    if (proc_path != NULL) {
        long l = floor_walk(proc_path);
        if (l < 0)
            return l;
        if (links != NULL)
            *links = l;
    }
    return total;
}

#ifdef FLOOR_MAIN
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    unsigned tables = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 3u;
    int pids = argc > 2 ? atoi(argv[2]) : 1;
    long iters = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
    const char *proc = argc > 4 ? argv[4] : "/proc";
    if (iters < 1)
        iters = 1;
    long links = 0;
    long n = floor_net(tables, pids ? proc : NULL, &links); /* warm-up */
    if (n < 0) {
        fprintf(stderr, "floor_net: errno %ld\n", -n);
        return 1;
    }
    double best = 1e300, total = 0;
    for (long i = 0; i < iters; i++) {
        double t0 = now_us();
        n = floor_net(tables, pids ? proc : NULL, &links);
        double dt = now_us() - t0;
        total += dt;
        if (dt < best)
            best = dt;
    }
    double mean = total / (double)iters;
    printf("floor_net: tables=%#x pids=%d iterations=%ld sockets=%ld links=%ld\n",
           tables, pids, iters, n, pids ? links : 0L);
    printf("mean %.1f us/call (%.3f us/socket), min %.1f us/call (%.3f us/socket)\n",
           mean, n ? mean / (double)n : 0.0, best, n ? best / (double)n : 0.0);
    return 0;
}
#endif
