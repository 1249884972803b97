/*
 * parse_sys.c: pure parsers for system-wide files (/proc/stat, meminfo,
 * vmstat, loadavg, uptime, pressure, cgroup files); the multi-row tables
 * (mountinfo, diskstats, net/dev, cpu lists) are in parse_systab.c.  No I/O,
 * no globals, no allocation.
 *
 * The acceptance rules are the contract in sysmon/_rawsys.py, which the
 * Python twin (sysmon/_pure_sys.py) follows too.  In short: lines end at
 * '\n' (the last one may not), blank-only lines are skipped, fields are
 * separated by runs of blanks (space, tab; after mountinfo's " - ", by
 * exactly one, as a field there may be empty), a number ends at a blank or
 * the end of its line, and anything malformed in a line we read is -EINVAL.
 */
#include "sysmon.h"
#include "parse_num.h"
#include "parse_fields.h"

#include <string.h>

/* ---- cursors over lines and fields ------------------------------------- */

/*
 * A one-value file (loadavg, uptime, cpu.max, sysfs numbers): blank lines
 * and blanks before the value are skipped; after it, nothing may follow but
 * blanks and at most one newline ("[ \t]*(\n[ \t]*)?").  one_line() starts the
 * cursor at the value; the value's own fields stop at '\n', since a number
 * never holds one; one_line_end() checks the tail.
 */
static void one_line(const char *buf, size_t len, struct sm_cur *c)
{
    c->p = buf;
    c->end = buf + len;
    while (c->p < c->end && (sm_is_blank(*c->p) || *c->p == '\n'))
        c->p++;
}

static int one_line_end(struct sm_cur *c)
{
    sm_skip_blanks(c);
    if (c->p < c->end && *c->p == '\n') {
        c->p++;
        sm_skip_blanks(c);
    }
    return c->p == c->end;
}

/* ---- /proc/stat --------------------------------------------------------- */

/* The single-number keys of /proc/stat.  whole: the number is the whole
 * line; otherwise only the first number (a total) is read. */
static const struct {
    const char *key;
    unsigned    idx;
    int         whole;
} stat_keys[] = {
    { .key = "ctxt",          .idx = SM_ST_CTXT,          .whole = 1 },
    { .key = "btime",         .idx = SM_ST_BTIME,         .whole = 1 },
    { .key = "processes",     .idx = SM_ST_PROCESSES,     .whole = 1 },
    { .key = "procs_running", .idx = SM_ST_PROCS_RUNNING, .whole = 1 },
    { .key = "procs_blocked", .idx = SM_ST_PROCS_BLOCKED, .whole = 1 },
    { .key = "intr",          .idx = SM_ST_INTR,          .whole = 0 },
    { .key = "softirq",       .idx = SM_ST_SOFTIRQ,       .whole = 0 },
};

/* "cpu" (-1) or "cpuN" (N): 1 and *cpu set; 0 for any other key (a
 * non-digit right after "cpu", as in "cpufreq"); -EINVAL when what follows
 * "cpu<digit>" is not a number fitting int64 ("cpu1a"). */
static int cpu_key(const char *tok, size_t tlen, int64_t *cpu)
{
    struct sm_cur k;
    uint64_t v;

    if (tlen < 3 || memcmp(tok, "cpu", 3) != 0)
        return 0;
    k.p = tok + 3;
    k.end = tok + tlen;
    if (tlen == 3) {
        *cpu = -1;
        return 1;
    }
    if (!sm_is_digit(*k.p))
        return 0; /* "cpuX": an unknown key */
    if (sm_read_u64(&k, &v) || k.p != k.end || v > (uint64_t)INT64_MAX)
        return -EINVAL;
    *cpu = (int64_t)v;
    return 1;
}

int sm_parse_cpustat(const char *buf, size_t len, struct sm_cpustat *st,
                     struct sm_cpu_line *rows, size_t cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_cpu_line spare;
    size_t nrows = 0;

    memset(st, 0, sizeof(*st));
    *n = 0;
    while (sm_next_line(&in, &ln)) {
        const char *tok;
        size_t tlen;
        int64_t cpu;
        int rc;

        if (!sm_next_tok(&ln, &tok, &tlen))
            continue;
        rc = cpu_key(tok, tlen, &cpu);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            struct sm_cpu_line *row = nrows < cap ? &rows[nrows] : &spare;
            uint32_t count;

            row->cpu = cpu;
            if (u64_rest(&ln, row->ticks, SM_CPU_MODES, &count) || count < 4)
                return -EINVAL;
            row->n_modes = count;
            nrows++;
            continue;
        }
        for (size_t i = 0; i < sizeof(stat_keys) / sizeof(stat_keys[0]); i++) {
            uint64_t v;

            if (!tok_is(tok, tlen, stat_keys[i].key))
                continue;
            if (u64_field(&ln, &v))
                return -EINVAL;
            if (stat_keys[i].whole && !sm_at_line_end(&ln))
                return -EINVAL;
            if (!(st->have & (1u << stat_keys[i].idx))) {
                st->v[stat_keys[i].idx] = v;
                st->have |= 1u << stat_keys[i].idx;
            }
            break;
        }
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- /proc/meminfo, /proc/vmstat --------------------------------------- */

/* Is [key, key + klen) one of the NUL-separated names in [keys, keys + keys_len)? */
static int key_wanted(const char *key, size_t klen, const char *keys, size_t keys_len)
{
    const char *p = keys, *end = keys + keys_len;

    while (p < end) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        size_t plen = nul ? (size_t)(nul - p) : (size_t)(end - p);

        if (plen == klen && memcmp(p, key, klen) == 0)
            return 1;
        p += plen + 1;
    }
    return 0;
}

/* Every line is checked; with keys non-NULL only the wanted rows are kept. */
static int parse_kv(const char *buf, size_t len, int colon, const char *keys, size_t keys_len,
                    struct sm_kv *rows, size_t cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_kv spare;
    size_t nrows = 0;

    *n = 0;
    if (len > UINT32_MAX)
        return -EOVERFLOW; /* key offsets are 32-bit */
    while (sm_next_line(&in, &ln)) {
        struct sm_kv *row = nrows < cap ? &rows[nrows] : &spare;
        const char *key, *key_end;

        if (sm_at_line_end(&ln))
            continue;
        key = ln.p;
        if (colon) {
            /* "Key:": everything before the first ':', non-empty, no blank */
            key_end = memchr(key, ':', (size_t)(ln.end - key));
            if (key_end == NULL || key_end == key)
                return -EINVAL;
            for (const char *q = key; q < key_end; q++) {
                if (sm_is_blank(*q))
                    return -EINVAL;
            }
            ln.p = key_end + 1; /* blanks before the value are optional */
        } else {
            /* "key": the first token, then at least one blank */
            while (ln.p < ln.end && !sm_is_blank(*ln.p))
                ln.p++;
            if (ln.p == ln.end)
                return -EINVAL;
            key_end = ln.p;
        }
        row->key_off = (uint32_t)(key - buf);
        row->key_len = (uint32_t)(key_end - key);
        row->kb = 0;
        if (u64_field(&ln, &row->value))
            return -EINVAL;
        sm_skip_blanks(&ln);
        if (colon && ln.end - ln.p >= 2 && ln.p[0] == 'k' && ln.p[1] == 'B') {
            ln.p += 2;
            row->kb = 1;
        }
        if (!sm_at_line_end(&ln))
            return -EINVAL;
        if (keys == NULL || key_wanted(key, (size_t)(key_end - key), keys, keys_len))
            nrows++;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

int sm_parse_kv(const char *buf, size_t len, int colon,
                struct sm_kv *rows, size_t cap, size_t *n)
{
    return parse_kv(buf, len, colon, NULL, 0, rows, cap, n);
}

int sm_parse_kv_pick(const char *buf, size_t len, int colon, const char *keys, size_t keys_len,
                     struct sm_kv *rows, size_t cap, size_t *n)
{
    return parse_kv(buf, len, colon, keys, keys_len, rows, cap, n);
}

/* ---- one-line files ----------------------------------------------------- */

int sm_parse_loadavg(const char *buf, size_t len, struct sm_loadavg *out)
{
    struct sm_cur c;

    memset(out, 0, sizeof(*out));
    one_line(buf, len, &c);
    for (int i = 0; i < 3; i++) {
        if (dec_field(&c, &out->avg[i]))
            return -EINVAL;
    }
    /* "running/total": no blanks around the '/' */
    sm_skip_blanks(&c);
    if (sm_read_u64(&c, &out->running) || c.p == c.end || *c.p != '/')
        return -EINVAL;
    c.p++;
    if (sm_read_u64(&c, &out->total) || !sm_at_field_end(&c))
        return -EINVAL;
    if (u64_field(&c, &out->last_pid) || !one_line_end(&c))
        return -EINVAL;
    return 0;
}

int sm_parse_uptime(const char *buf, size_t len, struct sm_uptime *out)
{
    struct sm_cur c;

    memset(out, 0, sizeof(*out));
    one_line(buf, len, &c);
    if (dec_field(&c, &out->up) || dec_field(&c, &out->idle) || !one_line_end(&c))
        return -EINVAL;
    return 0;
}

/* cgroup v2 cpu.max: "max" or a quota that fits int64, then the period. */
int sm_parse_cpumax(const char *buf, size_t len, int64_t *quota, uint64_t *period)
{
    struct sm_cur c;
    uint64_t q;

    *quota = 0;
    *period = 0;
    one_line(buf, len, &c);
    if (c.end - c.p >= 3 && memcmp(c.p, "max", 3) == 0) {
        c.p += 3;
        if (!sm_at_field_end(&c))
            return -EINVAL;
        *quota = -1;
    } else {
        if (u64_field(&c, &q) || q > (uint64_t)INT64_MAX)
            return -EINVAL;
        *quota = (int64_t)q;
    }
    if (u64_field(&c, period) || !one_line_end(&c))
        return -EINVAL;
    return 0;
}

int sm_parse_int(const char *buf, size_t len, int64_t *out)
{
    struct sm_cur c;

    *out = 0;
    one_line(buf, len, &c);
    if (i64_field(&c, out) || !one_line_end(&c))
        return -EINVAL;
    return 0;
}

/* ---- /proc/pressure/<resource> ------------------------------------------ */

/* Blanks, then "<name>=" and a dec (avg) or a u64 (total). */
static int psi_item(struct sm_cur *c, const char *name, struct sm_dec *dec, uint64_t *u)
{
    size_t n = strlen(name);

    sm_skip_blanks(c);
    if ((size_t)(c->end - c->p) <= n || memcmp(c->p, name, n) != 0 || c->p[n] != '=')
        return -EINVAL;
    c->p += n + 1;
    if (dec != NULL ? sm_read_dec(c, &dec->m, &dec->scale) : sm_read_u64(c, u))
        return -EINVAL;
    return sm_at_field_end(c) ? 0 : -EINVAL;
}

/* The rest of a line after total=: only further "key=value" tokens (both
 * non-empty, the key without '='), which a newer kernel may add; ignored. */
static int psi_extra(struct sm_cur *c)
{
    const char *tok;
    size_t tlen;

    while (sm_next_tok(c, &tok, &tlen)) {
        const char *eq = memchr(tok, '=', tlen);

        if (eq == NULL || eq == tok || eq == tok + tlen - 1)
            return -EINVAL;
    }
    return 0;
}

int sm_parse_pressure(const char *buf, size_t len, struct sm_psi *out)
{
    struct sm_cur in = { buf, buf + len }, ln;

    memset(out, 0, sizeof(*out));
    while (sm_next_line(&in, &ln)) {
        struct sm_psi_line tmp;
        struct sm_psi_line *dst;
        uint32_t *have;
        const char *tok;
        size_t tlen;

        if (!sm_next_tok(&ln, &tok, &tlen))
            continue;
        if (tok_is(tok, tlen, "some")) {
            dst = &out->some;
            have = &out->have_some;
        } else if (tok_is(tok, tlen, "full")) {
            dst = &out->full;
            have = &out->have_full;
        } else {
            continue;
        }
        /* Every some/full line must parse; the first of each counts. */
        if (psi_item(&ln, "avg10", &tmp.avg10, NULL) ||
            psi_item(&ln, "avg60", &tmp.avg60, NULL) ||
            psi_item(&ln, "avg300", &tmp.avg300, NULL) ||
            psi_item(&ln, "total", NULL, &tmp.total) || psi_extra(&ln))
            return -EINVAL;
        if (!*have) {
            *dst = tmp;
            *have = 1;
        }
    }
    return 0;
}
