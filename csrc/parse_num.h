/* parse_num.h: bounded number readers shared by the parsers (header-only). */
#ifndef SYSMON_PARSE_NUM_H
#define SYSMON_PARSE_NUM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A cursor over [p, end).  Readers never look at or past end. */
struct sm_cur {
    const char *p;
    const char *end;
};

static inline int sm_is_digit(char c) { return c >= '0' && c <= '9'; }
static inline int sm_is_blank(char c) { return c == ' ' || c == '\t'; }

static inline void sm_skip_blanks(struct sm_cur *c)
{
    while (c->p < c->end && sm_is_blank(*c->p))
        c->p++;
}

/* Unsigned decimal, at most 2^64-1.  -EINVAL if no digit, -ERANGE on overflow. */
static inline int sm_read_u64(struct sm_cur *c, uint64_t *out)
{
    uint64_t v = 0;
    const char *start = c->p;

    while (c->p < c->end && sm_is_digit(*c->p)) {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == start)
        return -EINVAL;
    *out = v;
    return 0;
}

/* Signed decimal in [INT64_MIN, INT64_MAX] with an optional '-'. */
static inline int sm_read_i64(struct sm_cur *c, int64_t *out)
{
    int neg = 0;
    uint64_t v;
    int rc;

    if (c->p < c->end && *c->p == '-') {
        neg = 1;
        c->p++;
    }
    rc = sm_read_u64(c, &v);
    if (rc)
        return rc;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1u)
            return -ERANGE;
        *out = (v == (uint64_t)INT64_MAX + 1u) ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return -ERANGE;
        *out = (int64_t)v;
    }
    return 0;
}

/* Most fraction digits sm_read_dec accepts (10^18 fits in 64 bits). */
#define SM_DEC_MAX_SCALE 18

/*
 * A decimal "[0-9]+(\.[0-9]{1,18})?" kept exact: every digit goes into *m
 * and *scale counts the fraction digits ("0.25" -> 25, 2).  -EINVAL if it
 * does not match, -ERANGE when m overflows 64 bits.
 */
static inline int sm_read_dec(struct sm_cur *c, uint64_t *m, uint32_t *scale)
{
    uint64_t v;
    uint32_t s = 0;
    int rc = sm_read_u64(c, &v);

    if (rc)
        return rc;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        while (c->p < c->end && sm_is_digit(*c->p)) {
            unsigned d = (unsigned)(*c->p - '0');
            if (s == SM_DEC_MAX_SCALE)
                return -EINVAL;
            if (v > (UINT64_MAX - d) / 10)
                return -ERANGE;
            v = v * 10 + d;
            s++;
            c->p++;
        }
        if (s == 0)
            return -EINVAL; /* "1." */
    }
    *m = v;
    *scale = s;
    return 0;
}

/* A field must be followed by a blank, a newline or the end of input. */
static inline int sm_at_field_end(const struct sm_cur *c)
{
    return c->p == c->end || sm_is_blank(*c->p) || *c->p == '\n';
}

/* ---- lines and tokens (shared by every text parser) ---- */

/* Cut the next line (without its '\n') off the input.  0 at the end: the
 * empty piece after a final '\n' is never a line. */
static inline int sm_next_line(struct sm_cur *in, struct sm_cur *line)
{
    const char *nl;

    if (in->p >= in->end)
        return 0;
    nl = memchr(in->p, '\n', (size_t)(in->end - in->p));
    line->p = in->p;
    line->end = nl ? nl : in->end;
    in->p = nl ? nl + 1 : in->end;
    return 1;
}

/* Skip blanks; 1 when nothing but blanks was left. */
static inline int sm_at_line_end(struct sm_cur *c)
{
    sm_skip_blanks(c);
    return c->p == c->end;
}

/* The next blank-separated token of a line: 0 when there is none. */
static inline int sm_next_tok(struct sm_cur *c, const char **tok, size_t *tlen)
{
    sm_skip_blanks(c);
    if (c->p == c->end)
        return 0;
    *tok = c->p;
    while (c->p < c->end && !sm_is_blank(*c->p))
        c->p++;
    *tlen = (size_t)(c->p - *tok);
    return 1;
}

#endif
