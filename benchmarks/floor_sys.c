/*
 * floor_sys.c: the syscall floor for sysmon's full system sample.
 *
 * A minimal reader of exactly the files one SystemSampler(usage=True).sample()
 * reads, with the same syscalls and the same open flags, and no parsing
 * beyond what it takes to know which filesystems to statvfs:
 *
 *   for each of <proc>/stat meminfo vmstat diskstats net/dev self/mountinfo
 *               loadavg uptime pressure/cpu pressure/memory pressure/io:
 *       fd = open(path, O_RDONLY|O_NOFOLLOW|O_CLOEXEC|O_NOCTTY|O_NONBLOCK)
 *       read(fd, buf, cap) until it returns 0 (EOF)
 *       close(fd)
 *   for each distinct mount point of self/mountinfo (field 5, octal escapes
 *   decoded), in file order:
 *       statvfs(mountpoint)
 *
 * That is what sysmon does too (same order, same flags, 64 KiB reads; an
 * absent pressure file is skipped, a statvfs that fails is skipped).
 * Anything sysmon does on top of this (parsing the counters, building
 * Python records, computing rates) is overhead measured against this floor.
 *
 *   long floor_sys(const char *proc_path, long *files_read)
 *       returns the number of mount points statvfs'd (>= 0) and stores the
 *       number of files read to EOF in *files_read (when not NULL); -errno
 *       when a file that must exist cannot be read (stat, meminfo, vmstat,
 *       diskstats, net/dev, mountinfo, loadavg, uptime), -ENOMEM on no memory.
 *
 * Build as a library:   gcc -O2 -shared -fPIC -o libfloor_sys.so floor_sys.c
 * Build standalone:     gcc -O2 -DFLOOR_MAIN -o floor_sys floor_sys.c
 *                       ./floor_sys [proc_path] [iterations]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef FLOOR_MAIN
#include <stdio.h>
#include <time.h>
#endif

long floor_sys(const char *proc_path, long *files_read);

/* The files of one sample, in sysmon's order; optional ones may be absent. */
static const struct {
    const char *name;
    int optional;
} floor_files[] = {
    { "stat", 0 },          { "meminfo", 0 },      { "vmstat", 1 },
    { "diskstats", 0 },     { "net/dev", 0 },      { "self/mountinfo", 0 },
    { "loadavg", 0 },       { "uptime", 0 },       { "pressure/cpu", 1 },
    { "pressure/memory", 1 }, { "pressure/io", 1 },
};
#define FLOOR_NFILES (sizeof floor_files / sizeof floor_files[0])
#define FLOOR_MOUNTINFO 5

/* One growable buffer, kept between calls (as sysmon keeps its read buffer). */
static char *floor_buf;
static size_t floor_cap;

/* Read path to EOF into floor_buf; the length, or -errno. */
static long read_all(const char *path)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0)
        return -errno;
    for (;;) {
        if (len == floor_cap) {
            size_t ncap = floor_cap ? floor_cap * 2 : 65536;
            char *p = realloc(floor_buf, ncap);
            if (p == NULL) {
                close(fd);
                return -ENOMEM;
            }
            floor_buf = p;
            floor_cap = ncap;
        }
        ssize_t n = read(fd, floor_buf + len, floor_cap - len);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int rc = -errno;
            close(fd);
            return rc;
        }
        len += (size_t)n;
    }
    close(fd);
    return (long)len;
}

static int is_octal(char c)
{
    return c >= '0' && c <= '7';
}

/* Decode mountinfo's octal escapes ("\040" -> ' ') in place; the new length. */
static size_t unescape(char *s, size_t n)
{
    size_t i = 0, o = 0;

    while (i < n) {
        if (s[i] == '\\' && i + 3 < n && is_octal(s[i + 1]) && is_octal(s[i + 2]) &&
            is_octal(s[i + 3])) {
            int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
            if (v <= 255) {
                s[o++] = (char)v;
                i += 4;
                continue;
            }
        }
        s[o++] = s[i++];
    }
    return o;
}

/* statvfs each distinct mount point of the mountinfo text in buf[0:len]
 * (modified in place); the number of successful calls, or -ENOMEM. */
static long statvfs_mounts(char *buf, size_t len)
{
    const char **seen = NULL;
    size_t nseen = 0, capseen = 0;
    long done = 0;
    char *p = buf, *end = buf + len;

    while (p < end) {
        char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        /* field 5 (1-based): skip 4 space-separated tokens */
        char *t = p;
        int field = 1;
        while (field < 5 && t < eol) {
            char *sp = memchr(t, ' ', (size_t)(eol - t));
            if (sp == NULL) {
                t = eol;
                break;
            }
            t = sp + 1;
            field++;
        }
        if (field == 5 && t < eol) {
            char *sp = memchr(t, ' ', (size_t)(eol - t));
            size_t n = (size_t)((sp ? sp : eol) - t);
            n = unescape(t, n);
            t[n] = '\0'; /* overwrites the separator, or the newline / end */
            int dup = 0;
            for (size_t k = 0; k < nseen && !dup; k++)
                dup = strcmp(seen[k], t) == 0;
            if (!dup) {
                if (nseen == capseen) {
                    size_t nc = capseen ? capseen * 2 : 64;
                    const char **ns = realloc(seen, nc * sizeof *ns);
                    if (ns == NULL) {
                        free(seen);
                        return -ENOMEM;
                    }
                    seen = ns;
                    capseen = nc;
                }
                seen[nseen++] = t;
                struct statvfs st;
                if (statvfs(t, &st) == 0)
                    done++;
            }
        }
        p = eol + 1;
    }
    free(seen);
    return done;
}

long floor_sys(const char *proc_path, long *files_read)
{
    char path[4096];
    char *mi = NULL;
    size_t mi_len = 0;
    long nread = 0;

    for (size_t i = 0; i < FLOOR_NFILES; i++) {
        size_t pl = strlen(proc_path), fl = strlen(floor_files[i].name);
        if (pl + 1 + fl + 1 > sizeof path) {
            free(mi);
            return -ENAMETOOLONG;
        }
        memcpy(path, proc_path, pl);
        path[pl] = '/';
        memcpy(path + pl + 1, floor_files[i].name, fl + 1);
        long n = read_all(path);
        if (n < 0) {
            if (floor_files[i].optional && n == -ENOENT)
                continue;
            free(mi);
            return n;
        }
        nread++;
        if (i == FLOOR_MOUNTINFO) {
            /* keep the text for the statvfs pass (sysmon keeps it too) */
            mi = malloc((size_t)n + 1);
            if (mi == NULL)
                return -ENOMEM;
            memcpy(mi, floor_buf, (size_t)n);
            mi_len = (size_t)n;
        }
    }
    long done = statvfs_mounts(mi, mi_len);
    free(mi);
    if (files_read != NULL)
        *files_read = nread;
    return done;
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
    long iters = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
    long files = 0;
    if (iters < 1)
        iters = 1;

    long n = floor_sys(proc, &files); /* warm-up */
    if (n < 0) {
        fprintf(stderr, "floor_sys: %s: errno %ld\n", proc, -n);
        return 1;
    }
    double best = 1e300, total = 0;
    for (long i = 0; i < iters; i++) {
        double t0 = now_us();
        n = floor_sys(proc, &files);
        double dt = now_us() - t0;
        total += dt;
        if (dt < best)
            best = dt;
    }
    printf("floor_sys: proc=%s iterations=%ld files=%ld statvfs=%ld\n", proc, iters, files, n);
    printf("mean %.1f us/sample, min %.1f us/sample\n", total / (double)iters, best);
    return 0;
}
#endif
