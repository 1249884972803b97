/* What cffi sees of sysmon.h.  Constants are filled in by the compiler. */
#define SM_FILE_STAT ...
#define SM_FILE_STATUS ...
#define SM_FILE_STATM ...
#define SM_FILE_CMDLINE ...
#define SM_FILE_ALL ...
#define SM_G_STAT ...
#define SM_G_STATUS ...
#define SM_G_STATM ...
#define SM_G_CMDLINE ...
#define SM_NGROUPS 4
#define SM_NAME_CAP 64

struct sm_stat {
    int64_t  pid;
    int64_t  ppid;
    int64_t  pgrp;
    int64_t  session;
    int64_t  tty_nr;
    int64_t  tpgid;
    uint64_t flags;
    uint64_t minflt;
    uint64_t majflt;
    uint64_t utime;
    uint64_t stime;
    int64_t  priority;
    int64_t  nice;
    int64_t  num_threads;
    uint64_t starttime;
    uint64_t vsize;
    int64_t  rss;
    int64_t  processor;
    size_t   name_off;
    size_t   name_len;
    char     state;
};

struct sm_status {
    int64_t uid[4];
    int64_t gid[4];
    int64_t tgid;
    int64_t pid;
};

struct sm_statm {
    uint64_t size;
    uint64_t resident;
    uint64_t shared;
};

struct sm_proc {
    struct sm_stat   stat;
    struct sm_status status;
    struct sm_statm  statm;
    uint64_t cmdline_off;
    uint64_t cmdline_len;
    int32_t  pid;
    int32_t  err[4];
    uint32_t name_len;
    char     name[64];
};

struct sm_ctx;

int  sm_ctx_new(struct sm_ctx **out);
void sm_ctx_free(struct sm_ctx *ctx);

int sm_parse_stat(const char *buf, size_t len, struct sm_stat *out);
int sm_parse_status(const char *buf, size_t len, struct sm_status *out);
int sm_parse_statm(const char *buf, size_t len, struct sm_statm *out);

int sm_scan_procs(struct sm_ctx *ctx, const char *proc_path, uint32_t mask,
                  struct sm_proc *rows, size_t cap,
                  char *arena, size_t arena_cap,
                  size_t *n_rows, size_t *arena_used);
int sm_open_pid(const char *proc_path, int32_t pid);
int sm_read_proc(struct sm_ctx *ctx, int dirfd, int32_t pid, uint32_t mask,
                 struct sm_proc *row, char *arena, size_t arena_cap,
                 size_t *arena_used);
