/*
 * parse_systab.c: pure parsers for the system's multi-row tables:
 * /proc/<pid>/mountinfo, /proc/diskstats, /proc/net/dev and CPU lists
 * (cpuset, online).  The same acceptance rules as parse_sys.c (see its
 * header comment and the contract in sysmon/_rawsys.py).
 */
#include "sysmon.h"
#include "parse_num.h"
#include "parse_fields.h"

#include <string.h>

/* ---- /proc/<pid>/mountinfo ---------------------------------------------- */

/* Where decoded strings go: bytes past cap are counted, not written. */
struct arena {
    char  *p;
    size_t cap;
    size_t used;
};

static void arena_put(struct arena *a, char ch)
{
    if (a->used < a->cap)
        a->p[a->used] = ch;
    a->used++;
}

static int is_octal(char ch) { return ch >= '0' && ch <= '7'; }

/* Copy a token, turning "\ooo" (three octal digits, <= 0377) into that byte;
 * any other backslash is kept as it is. */
static void unescape(struct arena *a, const char *tok, size_t tlen)
{
    size_t i = 0;

    while (i < tlen) {
        if (tok[i] == '\\' && tlen - i >= 4 && is_octal(tok[i + 1]) &&
            is_octal(tok[i + 2]) && is_octal(tok[i + 3])) {
            unsigned v = (unsigned)(tok[i + 1] - '0') * 64u +
                         (unsigned)(tok[i + 2] - '0') * 8u + (unsigned)(tok[i + 3] - '0');
            if (v <= 0xff) {
                arena_put(a, (char)(unsigned char)v);
                i += 4;
                continue;
            }
        }
        arena_put(a, tok[i]);
        i++;
    }
}

/* The next token, decoded into the arena as string slot k of row. */
static int mount_str(struct sm_cur *c, struct arena *a, struct sm_mount *row, int k)
{
    const char *tok;
    size_t tlen;

    if (!sm_next_tok(c, &tok, &tlen))
        return -EINVAL;
    row->str_off[k] = a->used;
    unescape(a, tok, tlen);
    row->str_len[k] = a->used - row->str_off[k];
    return 0;
}

/*
 * After the " - " separator the kernel writes fstype, source and super
 * options each after exactly one space, blanks inside them escaped: one
 * blank, then the field up to the next blank.  The source may be empty
 * ("tmpfs  rw": a mount made with an empty source); fstype and super
 * options may not.
 */
static int mount_tail_str(struct sm_cur *c, struct arena *a, struct sm_mount *row, int k,
                          int may_be_empty)
{
    const char *tok;

    if (c->p == c->end || !sm_is_blank(*c->p))
        return -EINVAL;
    c->p++;
    tok = c->p;
    while (c->p < c->end && !sm_is_blank(*c->p))
        c->p++;
    if (c->p == tok && !may_be_empty)
        return -EINVAL;
    row->str_off[k] = a->used;
    unescape(a, tok, (size_t)(c->p - tok));
    row->str_len[k] = a->used - row->str_off[k];
    return 0;
}

/* "i64 i64 u64:u64 root point opts [optional...] - fstype source super" */
static int mount_line(struct sm_cur *c, struct arena *a, struct sm_mount *row)
{
    const char *tok;
    size_t tlen;
    int nopt = 0;

    if (i64_field(c, &row->mount_id) || i64_field(c, &row->parent_id))
        return -EINVAL;
    sm_skip_blanks(c);
    if (sm_read_u64(c, &row->major) || c->p == c->end || *c->p != ':')
        return -EINVAL;
    c->p++;
    if (sm_read_u64(c, &row->minor) || !sm_at_field_end(c))
        return -EINVAL;
    if (mount_str(c, a, row, SM_MNT_ROOT) || mount_str(c, a, row, SM_MNT_POINT) ||
        mount_str(c, a, row, SM_MNT_OPTS))
        return -EINVAL;
    /* optional fields up to the lone "-", joined by one space */
    row->str_off[SM_MNT_OPTIONAL] = a->used;
    for (;;) {
        if (!sm_next_tok(c, &tok, &tlen))
            return -EINVAL; /* no separator */
        if (tok_is(tok, tlen, "-"))
            break;
        if (nopt++)
            arena_put(a, ' ');
        unescape(a, tok, tlen);
    }
    row->str_len[SM_MNT_OPTIONAL] = a->used - row->str_off[SM_MNT_OPTIONAL];
    if (mount_tail_str(c, a, row, SM_MNT_FSTYPE, 0) ||
        mount_tail_str(c, a, row, SM_MNT_SOURCE, 1) ||
        mount_tail_str(c, a, row, SM_MNT_SUPER, 0))
        return -EINVAL;
    return 0; /* what follows a blank after super options is ignored */
}

int sm_parse_mountinfo(const char *buf, size_t len, struct sm_mount *rows, size_t cap,
                       char *arena, size_t arena_cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct arena a = { .p = arena, .cap = arena_cap, .used = 0 };
    struct sm_mount spare;
    size_t nrows = 0;

    *n = 0;
    while (sm_next_line(&in, &ln)) {
        struct sm_mount *row = nrows < cap ? &rows[nrows] : &spare;

        if (sm_at_line_end(&ln))
            continue;
        memset(row, 0, sizeof(*row));
        if (mount_line(&ln, &a, row))
            return -EINVAL;
        nrows++;
    }
    *n = nrows;
    return (nrows > cap || a.used > arena_cap) ? -ENOBUFS : 0;
}

/* ---- /proc/diskstats ---------------------------------------------------- */

int sm_parse_diskstats(const char *buf, size_t len, struct sm_disk *rows, size_t cap,
                       size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_disk spare;
    size_t nrows = 0;

    *n = 0;
    while (sm_next_line(&in, &ln)) {
        struct sm_disk *row = nrows < cap ? &rows[nrows] : &spare;
        const char *name;
        size_t nlen;
        uint32_t count;

        if (sm_at_line_end(&ln))
            continue;
        if (u64_field(&ln, &row->major) || u64_field(&ln, &row->minor) ||
            !sm_next_tok(&ln, &name, &nlen))
            return -EINVAL;
        row->name_off = (uint64_t)(name - buf);
        row->name_len = nlen;
        /* 11 counters (kernel 2.6), 15 (4.18: discards), 17 (5.5: flushes) */
        if (u64_rest(&ln, row->v, SM_DISK_STATS, &count) || count < 11)
            return -EINVAL;
        row->n_stats = count;
        nrows++;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- /proc/net/dev ------------------------------------------------------ */

int sm_parse_netdev(const char *buf, size_t len, struct sm_netdev *rows, size_t cap,
                    size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_netdev spare;
    size_t nrows = 0;

    *n = 0;
    while (sm_next_line(&in, &ln)) {
        struct sm_netdev *row = nrows < cap ? &rows[nrows] : &spare;
        const char *colon = NULL;
        uint32_t count;

        if (sm_at_line_end(&ln))
            continue;
        /* the name runs to the LAST ':' of the line */
        for (const char *q = ln.end; q > ln.p; q--) {
            if (q[-1] == ':') {
                colon = q - 1;
                break;
            }
        }
        /* a header line has a '|' and no ':' (a name may hold a '|') */
        if (colon == NULL && memchr(ln.p, '|', (size_t)(ln.end - ln.p)) != NULL)
            continue;
        if (colon == NULL || colon == ln.p)
            return -EINVAL;
        row->name_off = (uint64_t)(ln.p - buf);
        row->name_len = (uint64_t)(colon - ln.p);
        ln.p = colon + 1;
        if (u64_rest(&ln, row->v, SM_NET_STATS, &count) || count < SM_NET_STATS)
            return -EINVAL;
        nrows++;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- cpu lists ---------------------------------------------------------- */

static int is_space_nl(char ch) { return sm_is_blank(ch) || ch == '\n'; }

int sm_parse_cpulist(const char *buf, size_t len, struct sm_range *rows, size_t cap,
                     size_t *n)
{
    struct sm_cur c = { buf, buf + len };
    size_t nrows = 0;

    *n = 0;
    while (c.p < c.end && is_space_nl(*c.p))
        c.p++;
    while (c.end > c.p && is_space_nl(c.end[-1]))
        c.end--;
    while (c.p < c.end) {
        uint64_t lo, hi;

        if (sm_read_u64(&c, &lo))
            return -EINVAL;
        hi = lo;
        if (c.p < c.end && *c.p == '-') {
            c.p++;
            if (sm_read_u64(&c, &hi))
                return -EINVAL;
        }
        if (lo > hi)
            return -EINVAL;
        if (nrows < cap) {
            rows[nrows].lo = lo;
            rows[nrows].hi = hi;
        }
        nrows++;
        if (c.p == c.end)
            break;
        if (*c.p != ',')
            return -EINVAL;
        c.p++;
        if (c.p == c.end)
            return -EINVAL; /* a trailing ',' */
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}
