/* ctx.h: the scan context, shared by the scanners (internal, not in the cdef). */
#ifndef SYSMON_CTX_H
#define SYSMON_CTX_H

#include "io.h"

#include <stdint.h>

struct sm_sock;

/* Reusable scan state: the growable read buffer every file is read into. */
struct sm_ctx {
    struct sm_buf buf;
    /* scan_net.c: the netlink receive buffer (allocated by the first dump)
     * and spare rows for a datagram that does not fit the caller's array. */
    struct sm_buf nl;
    struct sm_sock *socks;
    size_t socks_cap;
};

/* A canonical pid: 1..2^31-1 in decimal, no sign, no leading zero. */
static inline int32_t sm_pid_name(const char *s)
{
    int64_t v = 0;

    if (s[0] < '1' || s[0] > '9')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > INT32_MAX)
            return -1;
    }
    return (int32_t)v;
}

/* A canonical fd: "0", or digits without a sign or a leading zero, at most
 * 2^31-1 (a /proc/<pid>/fd entry name); -1 for any other name. */
static inline int32_t sm_fd_name(const char *s)
{
    if (s[0] == '0')
        return s[1] == '\0' ? 0 : -1;
    return sm_pid_name(s);
}

/* Decimal text of a non-negative pid into out (at least 12 bytes). */
static inline void sm_pid_to_name(int32_t pid, char *out)
{
    char tmp[12];
    int n = 0, i = 0;
    uint32_t v = (uint32_t)pid;

    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < (int)sizeof(tmp));
    while (n > 0)
        out[i++] = tmp[--n];
    out[i] = '\0';
}

#endif
