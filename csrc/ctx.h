/* ctx.h: the scan context, shared by the scanners (internal, not in the cdef). */
#ifndef SYSMON_CTX_H
#define SYSMON_CTX_H

#include "io.h"

/* Reusable scan state: the growable read buffer every file is read into. */
struct sm_ctx {
    struct sm_buf buf;
};

#endif
