/* io.c: the only place that reads files.  read() is looped to EOF. */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int sm_buf_init(struct sm_buf *b, size_t cap)
{
    b->data = malloc(cap);
    if (b->data == NULL) {
        b->cap = 0;
        return -ENOMEM;
    }
    b->cap = cap;
    return 0;
}

void sm_buf_free(struct sm_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->cap = 0;
}

static int sm_buf_grow(struct sm_buf *b)
{
    size_t ncap = b->cap ? b->cap * 2 : 4096;
    char *p;

    if (ncap < b->cap)
        return -ENOMEM;
    p = realloc(b->data, ncap);
    if (p == NULL)
        return -ENOMEM;
    b->data = p;
    b->cap = ncap;
    return 0;
}

long sm_read_at(int dirfd, const char *name, struct sm_buf *b)
{
    size_t len = 0;
    int fd, rc;

    /* O_NONBLOCK: a FIFO planted in a fixture or a /host tree reads as empty
     * instead of hanging the scan; it changes nothing for /proc files. */
    fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    for (;;) {
        ssize_t n;

        if (len == b->cap && (rc = sm_buf_grow(b)) != 0) {
            close(fd);
            return rc;
        }
        n = read(fd, b->data + len, b->cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            close(fd);
            return rc;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    return (long)len;
}

DIR *sm_opendir_at(int dirfd, const char *name, int extra_flags, int *err)
{
    DIR *dir;
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra_flags);

    if (fd < 0) {
        *err = -errno;
        return NULL;
    }
    dir = fdopendir(fd);
    if (dir == NULL) {
        *err = -errno;
        close(fd);
    }
    return dir;
}
