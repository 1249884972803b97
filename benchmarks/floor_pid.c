/*
 * floor_pid.c: the syscall floor of one process in depth (sysmon.Process).
 *
 * The kernel work of reading one /proc/<pid> in depth and nothing else: the
 * same files read to EOF and the same links read, with nothing parsed.
 * Reads use sysmon's flags (O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|O_NONBLOCK)
 * and one reused 64 KiB buffer, read() until it returns 0, then close().
 *
 *   long floor_pid_fds(const char *pid_dir, int follow)
 *       The floor of Process(pid).fds():
 *         pfd = open(pid_dir, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)
 *         fdd = openat(pfd, "fd", the same flags); fdopendir(fdd)
 *         for each fd entry (a name starting with a digit):
 *             readlinkat(fdd, name, buf, 4096)
 *             [follow: fstatat(fdd, name, &st, 0), as sysmon does on the live
 *              /proc to tell a file from a directory, device, fifo ...]
 *             read fdinfo/<name> (openat(pfd, ...) + read to EOF + close)
 *         closedir; close(pfd)
 *       Returns the number of fd entries seen, or -errno.
 *
 *   long floor_pid_all(const char *pid_dir, int follow, long *counts)
 *       The floor of one full deep dive (everything ``sysmon proc`` shows
 *       but connections), in this order:
 *         open(pid_dir); read stat (the handle's identity check)
 *         readlinkat exe, cwd, root   [follow: + fstatat of each]
 *         read environ
 *         the fd walk of floor_pid_fds
 *         read io, limits, cgroup
 *         readlinkat ns/<type> for the 10 namespace types (absent ones skipped)
 *         read status (once: ctx switches, capabilities and signal masks all
 *                      come from it)
 *         read smaps_rollup
 *         the threads: task = openat(pfd, "task", O_DIRECTORY); fdopendir;
 *             for each canonical tid: tfd = openat(task, tid, O_DIRECTORY),
 *             read tfd/stat, close(tfd)
 *         close(pfd)
 *       counts (when not NULL, 4 longs): fds seen, threads seen, files read,
 *       links read.  Returns the number of fds, or -errno.
 *
 * Build as a library:   gcc -O2 -shared -fPIC -o libfloor_pid.so floor_pid.c
 * Build standalone:     gcc -O2 -DFLOOR_MAIN -o floor_pid floor_pid.c
 *                       ./floor_pid PID [iterations] [follow 0|1]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef FLOOR_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#endif

long floor_pid_fds(const char *pid_dir, int follow);
long floor_pid_all(const char *pid_dir, int follow, long *counts);

static char floor_buf[65536];
static char floor_link[4096];

static const int floor_dflags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
static const int floor_fflags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

static const char *const floor_ns[] = {
    "ns/cgroup", "ns/ipc", "ns/mnt", "ns/net", "ns/pid", "ns/pid_for_children",
    "ns/time", "ns/time_for_children", "ns/user", "ns/uts",
};

struct floor_counts {
    long fds, threads, files, links;
};

/* dirfd/name read to EOF into the reused buffer; 1 when read, 0 when not. */
static int read_file(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, floor_fflags);
    if (fd < 0)
        return 0;
    for (;;) {
        ssize_t n = read(fd, floor_buf, sizeof floor_buf);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        break;
    }
    close(fd);
    return 1;
}

/* readlinkat (and with follow, fstatat through the link); 1 when read. */
static int read_link(int dirfd, const char *name, int follow)
{
    ssize_t n = readlinkat(dirfd, name, floor_link, sizeof floor_link);
    if (follow) {
        struct stat st;
        (void)fstatat(dirfd, name, &st, 0);
    }
    return n >= 0;
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

static long walk_fds(int pfd, int follow, struct floor_counts *c)
{
    char path[32];
    int fdd = openat(pfd, "fd", floor_dflags);
    if (fdd < 0)
        return -errno;
    DIR *d = fdopendir(fdd);
    if (d == NULL) {
        int err = errno;
        close(fdd);
        return -err;
    }
    struct dirent *de;
    long n = 0;
    memcpy(path, "fdinfo/", 7);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue; /* "." and ".." */
        size_t len = strlen(de->d_name);
        if (len > sizeof path - 8)
            continue;
        n++;
        c->links += read_link(fdd, de->d_name, follow);
        memcpy(path + 7, de->d_name, len + 1);
        c->files += read_file(pfd, path);
    }
    closedir(d);
    c->fds += n;
    return n;
}

static void walk_tasks(int pfd, struct floor_counts *c)
{
    int tdd = openat(pfd, "task", floor_dflags);
    if (tdd < 0)
        return;
    DIR *d = fdopendir(tdd);
    if (d == NULL) {
        close(tdd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_pid_name(de->d_name))
            continue;
        int tfd = openat(tdd, de->d_name, floor_dflags);
        if (tfd < 0)
            continue;
        c->threads++;
        c->files += read_file(tfd, "stat");
        close(tfd);
    }
    closedir(d);
}

long floor_pid_fds(const char *pid_dir, int follow)
{
    struct floor_counts c = { 0, 0, 0, 0 };
    int pfd = open(pid_dir, floor_dflags);
    if (pfd < 0)
        return -errno;
    long n = walk_fds(pfd, follow, &c);
    close(pfd);
    return n;
}

long floor_pid_all(const char *pid_dir, int follow, long *counts)
{
    struct floor_counts c = { 0, 0, 0, 0 };
    int pfd = open(pid_dir, floor_dflags);
    if (pfd < 0)
        return -errno;
    c.files += read_file(pfd, "stat");
    c.links += read_link(pfd, "exe", follow);
    c.links += read_link(pfd, "cwd", follow);
    c.links += read_link(pfd, "root", follow);
    c.files += read_file(pfd, "environ");
    long n = walk_fds(pfd, follow, &c);
    c.files += read_file(pfd, "io");
    c.files += read_file(pfd, "limits");
    c.files += read_file(pfd, "cgroup");
    for (size_t i = 0; i < sizeof floor_ns / sizeof floor_ns[0]; i++)
        c.links += read_link(pfd, floor_ns[i], 0);
    c.files += read_file(pfd, "status");
    c.files += read_file(pfd, "smaps_rollup");
    walk_tasks(pfd, &c);
    close(pfd);
    if (counts != NULL) {
        counts[0] = c.fds;
        counts[1] = c.threads;
        counts[2] = c.files;
        counts[3] = c.links;
    }
    return n;
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
    if (argc < 2) {
        fprintf(stderr, "usage: %s PID [iterations] [follow 0|1]\n", argv[0]);
        return 2;
    }
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%s", argv[1]);
    long iters = argc > 2 ? strtol(argv[2], NULL, 10) : 100;
    int follow = argc > 3 ? atoi(argv[3]) : 0;
    if (iters < 1)
        iters = 1;
    long counts[4];
    double best_fds = 1e300, best_all = 1e300;
    long n = 0;
    for (long i = 0; i < iters; i++) {
        double t0 = now_us();
        n = floor_pid_fds(dir, follow);
        double t1 = now_us();
        if (floor_pid_all(dir, follow, counts) < 0 || n < 0) {
            fprintf(stderr, "floor_pid: cannot read %s\n", dir);
            return 1;
        }
        double t2 = now_us();
        if (t1 - t0 < best_fds)
            best_fds = t1 - t0;
        if (t2 - t1 < best_all)
            best_all = t2 - t1;
    }
    printf("floor_pid %s follow=%d: %ld fds, %ld threads, %ld files, %ld links\n", dir, follow,
           counts[0], counts[1], counts[2], counts[3]);
    printf("fds: min %.1f us/call (%.3f us/fd); all: min %.1f us/call\n", best_fds,
           n ? best_fds / (double)n : 0.0, best_all);
    return 0;
}
#endif
