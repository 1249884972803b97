/*
 * parse_pid.c: pure parsers for one process in depth: /proc/<pid>/status
 * (the extended keys), smaps_rollup, limits, cgroup and fdinfo/<fd>.
 * No I/O, no globals, no allocation.
 *
 * The acceptance rules are the contract in sysmon/_rawpid.py, which the
 * Python twin (sysmon/_pure_pid.py) follows too.  "Key: value" lines: the
 * key is everything before the first ':'; then optional blanks, exactly one
 * value token, optional blanks, the end of the line.  Number formats:
 * decimal [0-9]+ (u64), signed decimal -?[0-9]+ (i64), hex 1..16 of
 * [0-9a-fA-F], octal [0-7]+ (u64).
 */
#include "sysmon.h"
#include "parse_num.h"

#include <string.h>

/* ---- tokens and numbers ------------------------------------------------- */

static int tok_is(const char *tok, size_t tlen, const char *word)
{
    size_t n = strlen(word);

    return tlen == n && memcmp(tok, word, n) == 0;
}

/* A whole token as a decimal fitting u64. */
static int dec_tok(const char *tok, size_t tlen, uint64_t *out)
{
    struct sm_cur c = { tok, tok + tlen };

    if (sm_read_u64(&c, out) || c.p != c.end)
        return -EINVAL;
    return 0;
}

/* A whole token as a signed decimal fitting i64. */
static int i64_tok(const char *tok, size_t tlen, int64_t *out)
{
    struct sm_cur c = { tok, tok + tlen };

    if (sm_read_i64(&c, out) || c.p != c.end)
        return -EINVAL;
    return 0;
}

/* A whole token as 1 to 16 hex digits. */
static int hex_tok(const char *tok, size_t tlen, uint64_t *out)
{
    uint64_t v = 0;

    if (tlen == 0 || tlen > 16)
        return -EINVAL;
    for (size_t i = 0; i < tlen; i++) {
        char ch = tok[i];
        unsigned d;

        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a') + 10u;
        else if (ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A') + 10u;
        else
            return -EINVAL;
        v = (v << 4) | d;
    }
    *out = v;
    return 0;
}

/* A whole token as 1+ octal digits fitting u64. */
static int oct_tok(const char *tok, size_t tlen, uint64_t *out)
{
    uint64_t v = 0;

    if (tlen == 0)
        return -EINVAL;
    for (size_t i = 0; i < tlen; i++) {
        char ch = tok[i];

        if (ch < '0' || ch > '7' || v > (UINT64_MAX >> 3))
            return -EINVAL;
        v = (v << 3) | (uint64_t)(ch - '0');
    }
    *out = v;
    return 0;
}

enum num_fmt { FMT_DEC, FMT_I64, FMT_HEX, FMT_OCT };

/*
 * The value of a "Key: value" line, with ln just past the ':': optional
 * blanks, one token in format fmt, optional blanks, the end of the line.
 * The i64 format stores the value's bits in *out.
 */
static int key_value(struct sm_cur *ln, enum num_fmt fmt, uint64_t *out)
{
    const char *tok;
    size_t tlen;
    int64_t s;
    int rc;

    if (!sm_next_tok(ln, &tok, &tlen) || !sm_at_line_end(ln))
        return -EINVAL;
    switch (fmt) {
    case FMT_DEC:
        return dec_tok(tok, tlen, out);
    case FMT_I64:
        rc = i64_tok(tok, tlen, &s);
        if (rc == 0)
            *out = (uint64_t)s;
        return rc;
    case FMT_HEX:
        return hex_tok(tok, tlen, out);
    case FMT_OCT:
        return oct_tok(tok, tlen, out);
    }
    return -EINVAL;
}

/* The key of a line (everything before its first ':'): 1 with [*key,
 * *key + *klen) set and ln moved past the ':', or 0 when there is no ':'. */
static int line_key(struct sm_cur *ln, const char **key, size_t *klen)
{
    const char *colon = ln->p < ln->end ? memchr(ln->p, ':', (size_t)(ln->end - ln->p)) : NULL;

    if (colon == NULL)
        return 0;
    *key = ln->p;
    *klen = (size_t)(colon - ln->p);
    ln->p = colon + 1;
    return 1;
}

struct key_spec {
    const char  *key;
    unsigned     idx;   /* into the value array; bit (1 << idx) of have */
    enum num_fmt fmt;
};

/*
 * Every line whose key is one of keys[] is checked and its value stored in
 * v[idx] with (1 << idx) set in *have; a repeated key: the last counts.
 * Other lines are ignored.
 */
static int parse_keyed(const char *buf, size_t len, const struct key_spec *keys, size_t nkeys,
                       uint64_t *v, uint32_t *have)
{
    struct sm_cur in = { buf, buf + len }, ln;

    while (sm_next_line(&in, &ln)) {
        const char *key;
        size_t klen;

        if (!line_key(&ln, &key, &klen))
            continue;
        for (size_t i = 0; i < nkeys; i++) {
            if (!tok_is(key, klen, keys[i].key))
                continue;
            if (key_value(&ln, keys[i].fmt, &v[keys[i].idx]))
                return -EINVAL;
            *have |= 1u << keys[i].idx;
            break;
        }
    }
    return 0;
}

/* ---- /proc/<pid>/status: the extended keys ------------------------------ */

static const struct key_spec status_keys[] = {
    { .key = "voluntary_ctxt_switches",    .idx = SM_SX_VOLUNTARY,    .fmt = FMT_DEC },
    { .key = "nonvoluntary_ctxt_switches", .idx = SM_SX_NONVOLUNTARY, .fmt = FMT_DEC },
    { .key = "CapInh",     .idx = SM_SX_CAPINH,     .fmt = FMT_HEX },
    { .key = "CapPrm",     .idx = SM_SX_CAPPRM,     .fmt = FMT_HEX },
    { .key = "CapEff",     .idx = SM_SX_CAPEFF,     .fmt = FMT_HEX },
    { .key = "CapBnd",     .idx = SM_SX_CAPBND,     .fmt = FMT_HEX },
    { .key = "CapAmb",     .idx = SM_SX_CAPAMB,     .fmt = FMT_HEX },
    { .key = "NoNewPrivs", .idx = SM_SX_NONEWPRIVS, .fmt = FMT_DEC },
    { .key = "Seccomp",    .idx = SM_SX_SECCOMP,    .fmt = FMT_DEC },
    { .key = "SigPnd",     .idx = SM_SX_SIGPND,     .fmt = FMT_HEX },
    { .key = "ShdPnd",     .idx = SM_SX_SHDPND,     .fmt = FMT_HEX },
    { .key = "SigBlk",     .idx = SM_SX_SIGBLK,     .fmt = FMT_HEX },
    { .key = "SigIgn",     .idx = SM_SX_SIGIGN,     .fmt = FMT_HEX },
    { .key = "SigCgt",     .idx = SM_SX_SIGCGT,     .fmt = FMT_HEX },
    { .key = "Umask",      .idx = SM_SX_UMASK,      .fmt = FMT_OCT },
};
_Static_assert(sizeof(status_keys) / sizeof(status_keys[0]) == SM_SX_N, "status_keys");

int sm_parse_status_ext(const char *buf, size_t len, struct sm_status_ext *out)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_keyed(buf, len, status_keys, SM_SX_N, out->v, &out->have);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- /proc/<pid>/fdinfo/<fd> -------------------------------------------- */

/* Indexes of sm_parse_fdinfo's v[]: bit (1 << index) is SM_FI_*. */
enum { FI_POS, FI_FLAGS, FI_MNT_ID, FI_INO, FI_N };
_Static_assert(SM_FI_POS == 1 << FI_POS && SM_FI_FLAGS == 1 << FI_FLAGS &&
               SM_FI_MNT_ID == 1 << FI_MNT_ID && SM_FI_INO == 1 << FI_INO, "SM_FI_*");

static const struct key_spec fdinfo_keys[] = {
    { .key = "pos",    .idx = FI_POS,    .fmt = FMT_I64 },
    { .key = "flags",  .idx = FI_FLAGS,  .fmt = FMT_OCT },
    { .key = "mnt_id", .idx = FI_MNT_ID, .fmt = FMT_DEC },
    { .key = "ino",    .idx = FI_INO,    .fmt = FMT_DEC },
};

int sm_parse_fdinfo(const char *buf, size_t len, struct sm_fdinfo *out)
{
    uint64_t v[FI_N] = { 0 };
    uint32_t have = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_keyed(buf, len, fdinfo_keys, FI_N, v, &have);
    if (rc)
        return rc;
    out->pos = (int64_t)v[FI_POS]; /* the bits of an i64 (key_value) */
    out->flags = v[FI_FLAGS];
    out->mnt_id = v[FI_MNT_ID];
    out->ino = v[FI_INO];
    out->have = have;
    return 0;
}

/* ---- /proc/<pid>/smaps_rollup ------------------------------------------- */

int sm_parse_rollup(const char *buf, size_t len, struct sm_kv *rows, size_t cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    size_t skip = 0;
    int rc;

    *n = 0;
    if (len > UINT32_MAX)
        return -EINVAL; /* key offsets are 32-bit */
    if (sm_next_line(&in, &ln)) {
        const char *tok;
        size_t tlen;

        /* "start-end perms offset dev inode   [rollup]" */
        if (sm_next_tok(&ln, &tok, &tlen) && memchr(tok, '-', tlen) != NULL)
            skip = (size_t)(in.p - buf);
    }
    rc = sm_parse_kv(buf + skip, len - skip, 1, rows, cap, n);
    if (rc != 0 && rc != -ENOBUFS)
        return rc;
    for (size_t i = 0; i < *n && i < cap; i++) {
        if (rows[i].key_off > UINT32_MAX - skip)
            return -EINVAL;
        rows[i].key_off += (uint32_t)skip;
    }
    return rc;
}

/* ---- /proc/<pid>/limits ------------------------------------------------- */

/* "unlimited" (UINT64_MAX) or a decimal: 0, else -EINVAL. */
static int limit_value(const char *tok, size_t tlen, uint64_t *out)
{
    if (tok_is(tok, tlen, "unlimited")) {
        *out = UINT64_MAX;
        return 0;
    }
    return dec_tok(tok, tlen, out);
}

/* Does a token end the name: "unlimited" or digits only (of any size: one
 * beyond 2^64-1 is then a malformed value, not part of the name)? */
static int ends_name(const char *tok, size_t tlen)
{
    size_t i;

    if (tok_is(tok, tlen, "unlimited"))
        return 1;
    for (i = 0; i < tlen; i++)
        if (!sm_is_digit(tok[i]))
            return 0;
    return tlen > 0;
}

/* "Name words  soft  hard  [units]" */
static int limit_line(struct sm_cur *ln, const char *tok, size_t tlen, const char *buf,
                      struct sm_limit *row)
{
    const char *name = tok, *name_end = tok + tlen;

    memset(row, 0, sizeof(*row));
    if (ends_name(tok, tlen))
        return -EINVAL; /* no name */
    for (;;) {
        if (!sm_next_tok(ln, &tok, &tlen))
            return -EINVAL;
        if (ends_name(tok, tlen))
            break;
        name_end = tok + tlen;
    }
    if (limit_value(tok, tlen, &row->soft))
        return -EINVAL;
    if (!sm_next_tok(ln, &tok, &tlen) || limit_value(tok, tlen, &row->hard))
        return -EINVAL;
    if (sm_next_tok(ln, &tok, &tlen)) {
        row->units_off = (uint32_t)(tok - buf);
        row->units_len = (uint32_t)tlen;
        if (!sm_at_line_end(ln))
            return -EINVAL;
    }
    row->name_off = (uint32_t)(name - buf);
    row->name_len = (uint32_t)(name_end - name);
    return 0;
}

int sm_parse_limits(const char *buf, size_t len, struct sm_limit *rows, size_t cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_limit spare;
    size_t nrows = 0;

    *n = 0;
    if (len > UINT32_MAX)
        return -EINVAL; /* offsets are 32-bit */
    while (sm_next_line(&in, &ln)) {
        const char *tok;
        size_t tlen;

        if (!sm_next_tok(&ln, &tok, &tlen))
            continue; /* blank-only */
        if (tok_is(tok, tlen, "Limit"))
            continue; /* the header */
        if (limit_line(&ln, tok, tlen, buf, nrows < cap ? &rows[nrows] : &spare))
            return -EINVAL;
        nrows++;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- /proc/<pid>/cgroup ------------------------------------------------- */

int sm_parse_cgroup(const char *buf, size_t len, struct sm_cgroup *rows, size_t cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_cgroup spare;
    size_t nrows = 0;

    *n = 0;
    if (len > UINT32_MAX)
        return -EINVAL; /* offsets are 32-bit */
    while (sm_next_line(&in, &ln)) {
        struct sm_cgroup *row = nrows < cap ? &rows[nrows] : &spare;
        const char *ctl, *colon;

        if (ln.p == ln.end)
            continue; /* only empty lines: " " is malformed */
        /* "id:controllers:path", the path being the rest of the line */
        if (sm_read_u64(&ln, &row->id) || ln.p == ln.end || *ln.p != ':')
            return -EINVAL;
        ctl = ln.p + 1;
        colon = memchr(ctl, ':', (size_t)(ln.end - ctl));
        if (colon == NULL)
            return -EINVAL;
        row->ctl_off = (uint32_t)(ctl - buf);
        row->ctl_len = (uint32_t)(colon - ctl);
        row->path_off = (uint32_t)(colon + 1 - buf);
        row->path_len = (uint32_t)(ln.end - (colon + 1));
        nrows++;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}
