/*
 * floor.c: the syscall floor for sysmon's process-table scan.
 *
 * A minimal reader of exactly the files sysmon reads, with the same syscalls
 * and the same open flags, and no parsing at all:
 *
 *   opendir(proc_path)                    (sysmon: open + fdopendir)
 *   for each canonical positive decimal entry <pid>:
 *       dirfd = openat(procfd, pid, O_RDONLY|O_DIRECTORY|O_NOFOLLOW|O_CLOEXEC)
 *       for each file selected by mask (stat=1, status=2, statm=4, cmdline=8;
 *       sysmon reads statm no more: 4 is kept to measure what it cost):
 *           fd = openat(dirfd, file, O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|O_NONBLOCK)
 *           read(fd, buf, cap) until it returns 0 (EOF)
 *           close(fd)
 *       close(dirfd)
 *   closedir
 *
 * Anything sysmon does on top of this (parsing, filling rows, building
 * Python records) is overhead measured against this floor.
 *
 *   long floor_scan(const char *proc_path, unsigned mask)
 *       returns the number of processes whose directory was opened and whose
 *       selected files were all read (a process that vanished mid-scan is not
 *       counted), or -errno when proc_path itself cannot be opened.
 *
 * Build as a library:   gcc -O2 -shared -fPIC -o libfloor.so floor.c
 * Build standalone:     gcc -O2 -DFLOOR_MAIN -o floor floor.c
 *                       ./floor [proc_path] [mask] [iterations]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef FLOOR_MAIN
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#endif

long floor_scan(const char *proc_path, unsigned mask);

/* Reused read buffer.  Large enough that stat/status/statm need one read()
 * plus the EOF read; a long cmdline just takes more reads (same as a
 * reader that grows its buffer would after the first time). */
static char floor_buf[65536];

static const char *const floor_files[4] = { "stat", "status", "statm", "cmdline" };

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

/* Returns 0 when read to EOF, -errno otherwise. */
static int read_file_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, floor_buf, sizeof floor_buf);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
    }
    close(fd);
    return rc;
}

long floor_scan(const char *proc_path, unsigned mask)
{
    DIR *d = opendir(proc_path);
    if (d == NULL)
        return -errno;
    int procfd = dirfd(d);
    long count = 0;
    struct dirent *de;

    while ((de = readdir(d)) != NULL) {
        if (!is_pid_name(de->d_name))
            continue;
        int pfd = openat(procfd, de->d_name,
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0)
            continue;
        int gone = 0;
        for (unsigned g = 0; g < 4; g++) {
            if (!(mask & (1u << g)))
                continue;
            int rc = read_file_at(pfd, floor_files[g]);
            if (rc == -ENOENT || rc == -ESRCH) {
                gone = 1;
                break;
            }
            /* EACCES etc.: the row is kept (as in sysmon), just no data. */
        }
        close(pfd);
        if (!gone)
            count++;
    }
    closedir(d);
    return count;
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
    const char *proc = argc > 1 ? argv[1] : "/proc";
    unsigned mask = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 11u;
    long iters = argc > 3 ? strtol(argv[3], NULL, 10) : 100;
    if (iters < 1)
        iters = 1;

    long n = floor_scan(proc, mask); /* warm-up */
    if (n < 0) {
        fprintf(stderr, "floor: cannot open %s: errno %ld\n", proc, -n);
        return 1;
    }
    double best = 1e300, total = 0;
    long procs = 0;
    for (long i = 0; i < iters; i++) {
        double t0 = now_us();
        procs = floor_scan(proc, mask);
        double dt = now_us() - t0;
        total += dt;
        if (dt < best)
            best = dt;
    }
    double mean = total / (double)iters;
    printf("floor: proc=%s mask=%u iterations=%ld processes=%ld\n",
           proc, mask, iters, procs);
    printf("mean %.1f us/scan (%.3f us/process), min %.1f us/scan (%.3f us/process)\n",
           mean, procs ? mean / (double)procs : 0.0,
           best, procs ? best / (double)procs : 0.0);
    return 0;
}
#endif
