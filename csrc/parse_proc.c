/*
 * parse_proc.c: pure parsers for /proc/<pid>/{stat,status}.
 * No I/O, no globals, no allocation.  Field numbers are proc(5)'s.
 */
#include "sysmon.h"
#include "parse_num.h"

#include <string.h>

/* Read one space-separated stat field into a signed or unsigned slot. */
static int stat_field(struct sm_cur *c, int is_signed, void *out)
{
    int rc;

    if (c->p >= c->end || *c->p != ' ')
        return -EINVAL;
    c->p++;
    if (is_signed)
        rc = sm_read_i64(c, (int64_t *)out);
    else
        rc = sm_read_u64(c, (uint64_t *)out);
    if (rc)
        return -EINVAL;
    if (!sm_at_field_end(c))
        return -EINVAL;
    return 0;
}

/* Skip one space-separated field of any content. */
static int stat_skip(struct sm_cur *c)
{
    if (c->p >= c->end || *c->p != ' ')
        return -EINVAL;
    c->p++;
    while (c->p < c->end && *c->p != ' ' && *c->p != '\n')
        c->p++;
    return 0;
}

int sm_parse_stat(const char *buf, size_t len, struct sm_stat *out)
{
    struct sm_cur c = { buf, buf + len };
    const char *open, *close;
    uint64_t skip_u;
    int64_t skip_i;
    int n, rc;

    memset(out, 0, sizeof(*out));
    out->processor = -1;

    /* (1) pid */
    if ((rc = sm_read_i64(&c, &out->pid)) != 0)
        return -EINVAL;
    /* (2) comm: from the first '(' to the LAST ')': the name may hold both. */
    open = memchr(buf, '(', len);
    close = NULL;
    for (const char *q = buf + len; q > buf; q--) {
        if (q[-1] == ')') {
            close = q - 1;
            break;
        }
    }
    if (open == NULL || close == NULL || close < open || c.p + 1 != open || *c.p != ' ')
        return -EINVAL;
    out->name_off = (size_t)(open + 1 - buf);
    out->name_len = (size_t)(close - open - 1);
    c.p = close + 1;
    /* (3) state: one character */
    if (c.end - c.p < 2 || c.p[0] != ' ' || sm_is_blank(c.p[1]) || c.p[1] == '\n')
        return -EINVAL;
    out->state = c.p[1];
    c.p += 2;
    if (!sm_at_field_end(&c))
        return -EINVAL;

    /* (4)..(24): mandatory.  Signedness follows proc(5)'s scanf formats. */
    if (stat_field(&c, 1, &out->ppid) || stat_field(&c, 1, &out->pgrp) ||
        stat_field(&c, 1, &out->session) || stat_field(&c, 1, &out->tty_nr) ||
        stat_field(&c, 1, &out->tpgid) || stat_field(&c, 0, &out->flags) ||
        stat_field(&c, 0, &out->minflt) || stat_field(&c, 0, &skip_u) /* (11) cminflt */ ||
        stat_field(&c, 0, &out->majflt) || stat_field(&c, 0, &skip_u) /* (13) cmajflt */ ||
        stat_field(&c, 0, &out->utime) || stat_field(&c, 0, &out->stime) ||
        stat_field(&c, 1, &skip_i) /* (16) cutime */ || stat_field(&c, 1, &skip_i) /* (17) cstime */ ||
        stat_field(&c, 1, &out->priority) || stat_field(&c, 1, &out->nice) ||
        stat_field(&c, 1, &out->num_threads) || stat_field(&c, 1, &skip_i) /* (21) itrealvalue */ ||
        stat_field(&c, 0, &out->starttime) || stat_field(&c, 0, &out->vsize) ||
        stat_field(&c, 1, &out->rss))
        return -EINVAL;

    /* (25)..(38): present on every kernel since 2.2; contents not used. */
    for (n = 25; n <= 38; n++) {
        if (c.p >= c.end || *c.p == '\n')
            return 0; /* an older, shorter line: processor stays -1 */
        if (stat_skip(&c))
            return -EINVAL;
    }
    /* (39) processor: optional */
    if (c.p >= c.end || *c.p == '\n')
        return 0;
    if (stat_field(&c, 1, &out->processor))
        return -EINVAL;
    /* Newer kernels append fields: ignored. */
    return 0;
}

/* Compare the key at the start of a status line (up to ':'). */
static int key_is(const char *line, size_t klen, const char *key)
{
    size_t n = strlen(key);
    return klen == n && memcmp(line, key, n) == 0;
}

/* Read up to `max` blank-separated signed numbers after a key. */
static int read_ids(struct sm_cur *c, int64_t *out, int max)
{
    for (int i = 0; i < max; i++) {
        sm_skip_blanks(c);
        if (sm_read_i64(c, &out[i]))
            return -EINVAL;
        if (!sm_at_field_end(c))
            return -EINVAL;
    }
    return 0;
}

/* A memory line's value: blanks, a number that fits int64_t, blanks, "kB",
 * optional blanks, the end of the line. */
static int read_kb(struct sm_cur *c, int64_t *out)
{
    uint64_t v;

    sm_skip_blanks(c);
    if (sm_read_u64(c, &v) || v > (uint64_t)INT64_MAX)
        return -EINVAL;
    if (c->p >= c->end || !sm_is_blank(*c->p))
        return -EINVAL;
    sm_skip_blanks(c);
    if (c->end - c->p < 2 || c->p[0] != 'k' || c->p[1] != 'B')
        return -EINVAL;
    c->p += 2;
    sm_skip_blanks(c);
    if (c->p != c->end)
        return -EINVAL;
    *out = (int64_t)v;
    return 0;
}

int sm_parse_status(const char *buf, size_t len, struct sm_status *out)
{
    const char *end = buf + len;
    const char *line = buf;
    int have_uid = 0, have_gid = 0;

    for (int i = 0; i < 4; i++) {
        out->uid[i] = -1;
        out->gid[i] = -1;
    }
    out->tgid = -1;
    out->pid = -1;
    out->vm_rss = -1;
    out->rss_file = -1;
    out->rss_shmem = -1;

    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *eol = nl ? nl : end;
        const char *colon = memchr(line, ':', (size_t)(eol - line));

        if (colon != NULL) {
            size_t klen = (size_t)(colon - line);
            struct sm_cur c = { colon + 1, eol };

            if (key_is(line, klen, "Uid")) {
                if (read_ids(&c, out->uid, 4))
                    return -EINVAL;
                have_uid = 1;
            } else if (key_is(line, klen, "Gid")) {
                if (read_ids(&c, out->gid, 4))
                    return -EINVAL;
                have_gid = 1;
            } else if (key_is(line, klen, "Tgid")) {
                if (read_ids(&c, &out->tgid, 1))
                    return -EINVAL;
            } else if (key_is(line, klen, "Pid")) {
                if (read_ids(&c, &out->pid, 1))
                    return -EINVAL;
            } else if (key_is(line, klen, "VmRSS")) {
                if (read_kb(&c, &out->vm_rss))
                    return -EINVAL;
            } else if (key_is(line, klen, "RssFile")) {
                if (read_kb(&c, &out->rss_file))
                    return -EINVAL;
            } else if (key_is(line, klen, "RssShmem")) {
                if (read_kb(&c, &out->rss_shmem))
                    return -EINVAL;
            }
        }
        line = nl ? nl + 1 : end;
    }
    return (have_uid && have_gid) ? 0 : -EINVAL;
}
