/* scan_sys.c: reading one system-wide file (/proc/stat, sysfs, cgroup files). */
#define _GNU_SOURCE
#include "sysmon.h"
#include "ctx.h"
#include "io.h"

#include <fcntl.h>

long sm_read_file(struct sm_ctx *ctx, const char *path, const char **data)
{
    /* The same open flags and read-to-EOF loop as every per-process file:
     * io.c's sm_read_at, relative to the working directory. */
    long n = sm_read_at(AT_FDCWD, path, &ctx->buf);

    if (n >= 0)
        *data = ctx->buf.data;
    return n;
}
