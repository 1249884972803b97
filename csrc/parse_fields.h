/* parse_fields.h: field readers over a line, shared by the system parsers
 * (parse_sys.c, parse_systab.c; header-only).  Their rules are those of
 * parse_sys.c's header comment. */
#ifndef SYSMON_PARSE_FIELDS_H
#define SYSMON_PARSE_FIELDS_H

#include "parse_num.h"

#include <string.h>

static inline int tok_is(const char *tok, size_t tlen, const char *word)
{
    size_t n = strlen(word);

    return tlen == n && memcmp(tok, word, n) == 0;
}

/* Blanks, then a u64 that ends at a blank or the end of the line. */
static inline int u64_field(struct sm_cur *c, uint64_t *out)
{
    sm_skip_blanks(c);
    if (sm_read_u64(c, out) || !sm_at_field_end(c))
        return -EINVAL;
    return 0;
}

/* Blanks, then an i64 that ends at a blank or the end of the line. */
static inline int i64_field(struct sm_cur *c, int64_t *out)
{
    sm_skip_blanks(c);
    if (sm_read_i64(c, out) || !sm_at_field_end(c))
        return -EINVAL;
    return 0;
}

/* Blanks, then a dec that ends at a blank or the end of the line. */
static inline int dec_field(struct sm_cur *c, struct sm_dec *out)
{
    sm_skip_blanks(c);
    if (sm_read_dec(c, &out->m, &out->scale) || !sm_at_field_end(c))
        return -EINVAL;
    return 0;
}

/*
 * Counters to the end of a line: up to `keep` u64 into out[] (the rest of
 * out[] zeroed), *count of them.  Fields after the first `keep` are not read
 * (a newer kernel may add more).
 */
static inline int u64_rest(struct sm_cur *c, uint64_t *out, uint32_t keep, uint32_t *count)
{
    uint32_t k = 0;

    memset(out, 0, keep * sizeof(*out));
    while (k < keep && !sm_at_line_end(c)) {
        if (u64_field(c, &out[k]))
            return -EINVAL;
        k++;
    }
    *count = k;
    return 0;
}

#endif
