/* io.h: openat-relative reading, to EOF, into a growable buffer. */
#ifndef SYSMON_IO_H
#define SYSMON_IO_H

#include <dirent.h>
#include <stddef.h>

struct sm_buf {
    char  *data;
    size_t cap;
};

int  sm_buf_init(struct sm_buf *b, size_t cap);
void sm_buf_free(struct sm_buf *b);

/*
 * Read the whole of dirfd/name into b (growing it as needed).
 * Returns the number of bytes read, or -errno.  Never follows a symlink.
 */
long sm_read_at(int dirfd, const char *name, struct sm_buf *b);

/*
 * openat(dirfd, name, O_RDONLY|O_DIRECTORY|O_CLOEXEC|extra_flags) as a DIR
 * stream (its fd: dirfd(dir)).  NULL with *err = -errno on failure.
 */
DIR *sm_opendir_at(int dirfd, const char *name, int extra_flags, int *err);

#endif
