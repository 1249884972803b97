/*
 * parse_net.c: pure parsers for sockets: sock_diag netlink replies,
 * /proc/net/{tcp,udp}[6], /proc/net/unix and /proc/<pid>/fd link targets.
 * No I/O, no globals, no allocation.
 *
 * The acceptance rules are the contract in sysmon/_rawnet.py, which the
 * Python twin (sysmon/_pure_net.py) follows too.  Every read is bounded by
 * the input length; netlink integers are in host order and are copied out
 * with memcpy (the input need not be aligned); ports are big-endian.
 */
#include "sysmon.h"
#include "parse_num.h"

#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>


/* The contract's offsets, checked against the kernel's headers. */
_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr");
_Static_assert(sizeof(struct inet_diag_msg) == 72, "inet_diag_msg");
_Static_assert(offsetof(struct inet_diag_msg, idiag_rqueue) == 56, "idiag_rqueue");
_Static_assert(offsetof(struct inet_diag_msg, idiag_wqueue) == 60, "idiag_wqueue");
_Static_assert(offsetof(struct inet_diag_msg, idiag_uid) == 64, "idiag_uid");
_Static_assert(offsetof(struct inet_diag_msg, idiag_inode) == 68, "idiag_inode");
_Static_assert(sizeof(struct unix_diag_msg) == 16, "unix_diag_msg");
_Static_assert(offsetof(struct unix_diag_msg, udiag_ino) == 4, "udiag_ino");
_Static_assert(offsetof(struct tcp_info, tcpi_rtt) == 68, "tcpi_rtt");
_Static_assert(offsetof(struct tcp_info, tcpi_rttvar) == 72, "tcpi_rttvar");
_Static_assert(offsetof(struct tcp_info, tcpi_total_retrans) == 100, "tcpi_total_retrans");
_Static_assert(offsetof(struct tcp_info, tcpi_bytes_acked) == 120, "tcpi_bytes_acked");
_Static_assert(offsetof(struct tcp_info, tcpi_bytes_received) == 128, "tcpi_bytes_received");
_Static_assert(NLMSG_NOOP == 1 && NLMSG_ERROR == 2 && NLMSG_DONE == 3, "nlmsg types");
_Static_assert(SOCK_DIAG_BY_FAMILY == 20 && NLM_F_DUMP_INTR == 0x10, "sock_diag");
_Static_assert(INET_DIAG_INFO == 2, "INET_DIAG_INFO");
_Static_assert(UNIX_DIAG_NAME == 0 && UNIX_DIAG_PEER == 2 && UNIX_DIAG_RQLEN == 4 &&
               UNIX_DIAG_UID == 7, "UNIX_DIAG_*");
/* An attribute's kind: its type without NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
#define ATTR_KIND(t) ((t) & 0x3fffu)
_Static_assert((uint16_t)NLA_TYPE_MASK == 0x3fff, "NLA_TYPE_MASK");

/* tcp_info lengths that hold up to tcpi_total_retrans, and up to
 * tcpi_bytes_received. */
#define TCPI_LEN_INFO  104
#define TCPI_LEN_BYTES 136

/* Where a sock_diag payload's attributes start, from the message start. */
#define INET_ATTRS (16 + 72)
#define UNIX_ATTRS (16 + 16)

/* ---- unaligned host-order reads ---------------------------------------- */

static uint16_t rd_u16(const char *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint32_t rd_u32(const char *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t rd_u64(const char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

static uint16_t rd_be16(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;

    return (uint16_t)((unsigned)u[0] << 8 | u[1]);
}

/* x rounded up to 4, or past when that goes past `left` (the end). */
static size_t step4(size_t x, size_t left)
{
    size_t r = x + ((4 - (x & 3)) & 3);

    return (r < x || r > left) ? left : r;
}

/* The next attribute in [*pos, end) of msg: 1 with its kind and payload
 * (and *pos moved past it and its padding), 0 at the end, -EINVAL when it
 * is malformed (1..3 bytes left, a length below 4 or past the end). */
static int next_attr(const char *msg, size_t *pos, size_t end, unsigned *kind,
                     const char **d, size_t *dlen)
{
    size_t left, alen;

    if (*pos >= end)
        return 0;
    left = end - *pos;
    if (left < 4)
        return -EINVAL;
    alen = rd_u16(msg + *pos);
    if (alen < 4 || alen > left)
        return -EINVAL;
    *kind = ATTR_KIND(rd_u16(msg + *pos + 2));
    *d = msg + *pos + 4;
    *dlen = alen - 4;
    *pos += step4(alen, left);
    return 1;
}

/* ---- sock_diag replies ------------------------------------------------- */

/* Attributes of an inet message in [pos, end) of msg. */
static int inet_attrs(const char *msg, size_t pos, size_t end, struct sm_sock *row)
{
    const char *d;
    size_t dlen;
    unsigned kind;
    int rc;

    while ((rc = next_attr(msg, &pos, end, &kind, &d, &dlen)) > 0) {
        if (kind == INET_DIAG_INFO && dlen >= TCPI_LEN_INFO) {
            /* a later INFO replaces an earlier one whole; short ones are ignored */
            row->rtt = rd_u32(d + offsetof(struct tcp_info, tcpi_rtt));
            row->rttvar = rd_u32(d + offsetof(struct tcp_info, tcpi_rttvar));
            row->retrans = rd_u32(d + offsetof(struct tcp_info, tcpi_total_retrans));
            row->have |= SM_SKH_INFO;
            if (dlen >= TCPI_LEN_BYTES) {
                row->bytes_acked = rd_u64(d + offsetof(struct tcp_info, tcpi_bytes_acked));
                row->bytes_received =
                    rd_u64(d + offsetof(struct tcp_info, tcpi_bytes_received));
                row->have |= SM_SKH_BYTES;
            } else {
                row->bytes_acked = 0;
                row->bytes_received = 0;
                row->have &= ~(uint32_t)SM_SKH_BYTES;
            }
        }
    }
    return rc;
}

/* Attributes of a unix message in [pos, end) of msg; base is msg's offset
 * in the whole input (names are offsets into it). */
static int unix_attrs(const char *msg, size_t pos, size_t end, size_t base,
                      struct sm_sock *row)
{
    const char *d;
    size_t dlen;
    unsigned kind;
    int rc;

    while ((rc = next_attr(msg, &pos, end, &kind, &d, &dlen)) > 0) {
        switch (kind) {
        case UNIX_DIAG_NAME:
            row->name_off = base + (size_t)(d - msg);
            row->name_len = dlen;
            row->have |= SM_SKH_NAME;
            break;
        case UNIX_DIAG_PEER:
            if (dlen < 4)
                return -EINVAL;
            row->peer = rd_u32(d);
            row->have |= SM_SKH_PEER;
            break;
        case UNIX_DIAG_RQLEN:
            if (dlen < 8)
                return -EINVAL;
            row->rqueue = rd_u32(d);
            row->wqueue = rd_u32(d + 4);
            row->have |= SM_SKH_QUEUES;
            break;
        case UNIX_DIAG_UID:
            if (dlen < 4)
                return -EINVAL;
            row->uid = rd_u32(d);
            row->have |= SM_SKH_UID;
            break;
        default:
            break;
        }
    }
    return rc;
}

/* One SOCK_DIAG_BY_FAMILY message of mlen bytes at buf + base. */
static int diag_sock(const char *buf, size_t base, size_t mlen, int proto, struct sm_sock *row)
{
    const char *msg = buf + base;
    const char *p = msg + 16;
    size_t plen = mlen - 16;
    unsigned fam;

    memset(row, 0, sizeof(*row));
    if (plen < 1)
        return -EINVAL;
    fam = (unsigned char)p[0];
    if (fam == AF_INET || fam == AF_INET6) {
        if (plen < sizeof(struct inet_diag_msg))
            return -EINVAL;
        row->family = (uint8_t)fam;
        row->type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
        row->proto = (uint8_t)proto;
        row->state = (uint8_t)p[offsetof(struct inet_diag_msg, idiag_state)];
        row->lport = rd_be16(p + offsetof(struct inet_diag_msg, id.idiag_sport));
        row->rport = rd_be16(p + offsetof(struct inet_diag_msg, id.idiag_dport));
        memcpy(row->laddr, p + offsetof(struct inet_diag_msg, id.idiag_src), 16);
        memcpy(row->raddr, p + offsetof(struct inet_diag_msg, id.idiag_dst), 16);
        row->rqueue = rd_u32(p + offsetof(struct inet_diag_msg, idiag_rqueue));
        row->wqueue = rd_u32(p + offsetof(struct inet_diag_msg, idiag_wqueue));
        row->uid = rd_u32(p + offsetof(struct inet_diag_msg, idiag_uid));
        row->inode = rd_u32(p + offsetof(struct inet_diag_msg, idiag_inode));
        row->have = SM_SKH_UID | SM_SKH_QUEUES;
        return inet_attrs(msg, INET_ATTRS, mlen, row);
    }
    if (fam == AF_UNIX) {
        if (plen < sizeof(struct unix_diag_msg))
            return -EINVAL;
        row->family = AF_UNIX;
        row->type = (uint8_t)p[offsetof(struct unix_diag_msg, udiag_type)];
        row->state = (uint8_t)p[offsetof(struct unix_diag_msg, udiag_state)];
        row->inode = rd_u32(p + offsetof(struct unix_diag_msg, udiag_ino));
        return unix_attrs(msg, UNIX_ATTRS, mlen, base, row);
    }
    return -EINVAL;
}

int sm_parse_diag(const char *buf, size_t len, int proto, struct sm_sock *rows, size_t cap,
                  size_t *n, uint32_t *status)
{
    struct sm_sock spare;
    size_t off = 0, nrows = 0;

    *n = 0;
    *status = 0;
    while (off < len) {
        size_t left = len - off, mlen;
        uint16_t type, flags;
        int32_t err;
        int rc;

        if (left < sizeof(struct nlmsghdr))
            return -EINVAL; /* 1..15 bytes left over */
        mlen = rd_u32(buf + off + offsetof(struct nlmsghdr, nlmsg_len));
        type = rd_u16(buf + off + offsetof(struct nlmsghdr, nlmsg_type));
        flags = rd_u16(buf + off + offsetof(struct nlmsghdr, nlmsg_flags));
        if (mlen < sizeof(struct nlmsghdr) || mlen > left)
            return -EINVAL;
        if (flags & NLM_F_DUMP_INTR)
            *status |= SM_DIAG_INTR;
        switch (type) {
        case NLMSG_NOOP:
            break;
        case NLMSG_DONE:
            *status |= SM_DIAG_DONE;
            *n = nrows;
            /* a dump that failed part-way says so in DONE's i32, if any */
            if (mlen >= sizeof(struct nlmsghdr) + sizeof(int32_t)) {
                memcpy(&err, buf + off + sizeof(struct nlmsghdr), sizeof(err));
                if (err != 0) {
                    *status |= SM_DIAG_ERROR;
                    return err;
                }
            }
            return nrows > cap ? -ENOBUFS : 0;
        case NLMSG_ERROR:
            if (mlen < sizeof(struct nlmsghdr) + sizeof(int32_t))
                return -EINVAL;
            memcpy(&err, buf + off + sizeof(struct nlmsghdr), sizeof(err));
            if (err != 0) {
                *n = nrows;
                *status |= SM_DIAG_ERROR;
                return err;
            }
            break;
        case SOCK_DIAG_BY_FAMILY:
            rc = diag_sock(buf, off, mlen, proto, nrows < cap ? &rows[nrows] : &spare);
            if (rc)
                return rc;
            nrows++;
            break;
        default:
            return -EINVAL;
        }
        off += step4(mlen, left);
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- lines and tokens --------------------------------------------------- */

static int hex_val(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* [s, s + len): 1..8 hex digits (either case) -> 0 and *out, else -EINVAL. */
static int hex_u32(const char *s, size_t len, uint32_t *out)
{
    uint32_t v = 0;

    if (len < 1 || len > 8)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        int d = hex_val(s[i]);

        if (d < 0)
            return -EINVAL;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

/* A whole token of decimal digits, at most max. */
static int dec_tok(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    struct sm_cur c = { s, s + len };

    if (sm_read_u64(&c, out) || c.p != c.end || *out > max)
        return -EINVAL;
    return 0;
}

/* ---- /proc/net/{tcp,udp}[6] --------------------------------------------- */

/* "ADDR:PORT": words * 8 hex digits, ':', 4 hex digits.  Each 8-digit word
 * is a u32 the kernel printed from memory: its host-order bytes are the
 * address bytes. */
static int addr_port(const char *tok, size_t tlen, size_t words, uint8_t *addr,
                     uint16_t *port)
{
    uint32_t w, pv;

    if (tlen != words * 8 + 5 || tok[words * 8] != ':')
        return -EINVAL;
    for (size_t i = 0; i < words; i++) {
        if (hex_u32(tok + 8 * i, 8, &w))
            return -EINVAL;
        memcpy(addr + 4 * i, &w, sizeof(w));
    }
    if (hex_u32(tok + words * 8 + 1, 4, &pv))
        return -EINVAL;
    *port = (uint16_t)pv;
    return 0;
}

/* One row of /proc/net/{tcp,udp}[6] (tokens past the 10th are not read). */
static int inet_line(struct sm_cur *ln, size_t words, struct sm_sock *row)
{
    const char *tok[10];
    size_t tlen[10];
    const char *colon;
    uint32_t v;
    uint64_t u;

    for (int i = 0; i < 10; i++) {
        if (!sm_next_tok(ln, &tok[i], &tlen[i]))
            return -EINVAL;
    }
    /* 1. "sl:" */
    if (tlen[0] < 2 || tok[0][tlen[0] - 1] != ':')
        return -EINVAL;
    for (size_t i = 0; i + 1 < tlen[0]; i++) {
        if (!sm_is_digit(tok[0][i]))
            return -EINVAL;
    }
    /* 2, 3. local and remote */
    if (addr_port(tok[1], tlen[1], words, row->laddr, &row->lport) ||
        addr_port(tok[2], tlen[2], words, row->raddr, &row->rport))
        return -EINVAL;
    /* 4. st: 1 or 2 hex digits */
    if (tlen[3] > 2 || hex_u32(tok[3], tlen[3], &v))
        return -EINVAL;
    row->state = (uint8_t)v;
    /* 5. "TX:RX" */
    colon = memchr(tok[4], ':', tlen[4]);
    if (colon == NULL || hex_u32(tok[4], (size_t)(colon - tok[4]), &row->wqueue) ||
        hex_u32(colon + 1, (size_t)(tok[4] + tlen[4] - colon - 1), &row->rqueue))
        return -EINVAL;
    /* 8. uid, 10. inode */
    if (dec_tok(tok[7], tlen[7], UINT32_MAX, &u))
        return -EINVAL;
    row->uid = (uint32_t)u;
    if (dec_tok(tok[9], tlen[9], UINT64_MAX, &row->inode))
        return -EINVAL;
    return 0;
}

int sm_parse_net_inet(const char *buf, size_t len, int family, int proto,
                      struct sm_sock *rows, size_t cap, size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_sock spare;
    size_t nrows = 0, words;

    *n = 0;
    if (family == AF_INET)
        words = 1;
    else if (family == AF_INET6)
        words = 4;
    else
        return -EINVAL;
    if (!sm_next_line(&in, &ln))
        return 0; /* not even a header */
    while (sm_next_line(&in, &ln)) {
        struct sm_sock *row = nrows < cap ? &rows[nrows] : &spare;

        if (sm_at_line_end(&ln))
            continue;
        memset(row, 0, sizeof(*row));
        if (inet_line(&ln, words, row))
            return -EINVAL;
        row->family = (uint8_t)family;
        row->type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
        row->proto = (uint8_t)proto;
        row->have = SM_SKH_UID | SM_SKH_QUEUES;
        nrows++;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- /proc/net/unix ----------------------------------------------------- */

/* Blanks (at least one), then a token of 1..8 hex digits at most max that
 * ends at a blank: the next field follows. */
static int unix_hex(struct sm_cur *c, uint32_t max, uint32_t *out)
{
    const char *tok;
    size_t tlen;

    if (c->p == c->end || !sm_is_blank(*c->p))
        return -EINVAL;
    if (!sm_next_tok(c, &tok, &tlen) || c->p == c->end)
        return -EINVAL;
    if (hex_u32(tok, tlen, out) || *out > max)
        return -EINVAL;
    return 0;
}

/*
 * Is the line a row?  "Num: RefCount Protocol Flags Type St Inode[ name]",
 * fields separated by runs of blanks (leading blanks skipped); after the
 * inode either the line ends (no name) or exactly one space and the name,
 * the rest of the line verbatim.  0 and *row filled, or -EINVAL: not a row.
 */
static int unix_row(struct sm_cur ln, const char *buf, struct sm_sock *row)
{
    const char *start;
    uint32_t v;

    memset(row, 0, sizeof(*row));
    /* Num: hex digits then ':' (blanks before it are skipped, as in net/tcp) */
    sm_skip_blanks(&ln);
    start = ln.p;
    while (ln.p < ln.end && hex_val(*ln.p) >= 0)
        ln.p++;
    if (ln.p == start || ln.p == ln.end || *ln.p != ':')
        return -EINVAL;
    ln.p++;
    if (unix_hex(&ln, UINT32_MAX, &v) ||            /* RefCount */
        unix_hex(&ln, UINT32_MAX, &v) ||            /* Protocol */
        unix_hex(&ln, UINT32_MAX, &row->flags))     /* Flags */
        return -EINVAL;
    if (unix_hex(&ln, 0xffff, &v))                  /* Type */
        return -EINVAL;
    row->type = (uint16_t)v;
    if (unix_hex(&ln, 0xff, &v))                    /* St */
        return -EINVAL;
    row->state = (uint8_t)v;
    /* Inode: blanks, decimal, then the end or one space and the name */
    if (!sm_is_blank(*ln.p))
        return -EINVAL;
    sm_skip_blanks(&ln);
    if (sm_read_u64(&ln, &row->inode))
        return -EINVAL;
    if (ln.p < ln.end) {
        if (*ln.p != ' ')
            return -EINVAL;
        row->name_off = (uint64_t)(ln.p + 1 - buf);
        row->name_len = (uint64_t)(ln.end - ln.p - 1);
        row->have = SM_SKH_NAME;
    }
    row->family = AF_UNIX;
    return 0;
}

int sm_parse_net_unix(const char *buf, size_t len, struct sm_sock *rows, size_t cap,
                      size_t *n)
{
    struct sm_cur in = { buf, buf + len }, ln;
    struct sm_sock spare, tmp;
    struct sm_sock *prev = NULL;
    size_t nrows = 0;

    *n = 0;
    if (!sm_next_line(&in, &ln))
        return 0; /* not even a header */
    while (sm_next_line(&in, &ln)) {
        if (unix_row(ln, buf, &tmp) == 0) {
            prev = nrows < cap ? &rows[nrows] : &spare;
            *prev = tmp;
            nrows++;
            continue;
        }
        if (prev != NULL && (prev->have & SM_SKH_NAME)) {
            /* a '\n' in the name: it goes on to the end of this line */
            prev->name_len = (uint64_t)(ln.end - buf) - prev->name_off;
            continue;
        }
        if (sm_at_line_end(&ln))
            continue;
        return -EINVAL;
    }
    *n = nrows;
    return nrows > cap ? -ENOBUFS : 0;
}

/* ---- /proc/<pid>/fd/<n> link targets ------------------------------------ */

int sm_parse_socklink(const char *buf, size_t len, uint64_t *inode)
{
    static const char pre[] = "socket:[";
    const size_t plen = sizeof(pre) - 1;

    *inode = 0;
    if (len < plen + 2 || memcmp(buf, pre, plen) != 0 || buf[len - 1] != ']')
        return -EINVAL;
    return dec_tok(buf + plen, len - plen - 1, UINT64_MAX, inode);
}
