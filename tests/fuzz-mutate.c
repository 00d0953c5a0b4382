/* fuzz-mutate.c -- damaged copies of a checkpoint or an IDX file, for tests/fuzz.sh.
 *
 *   fuzz-mutate count KIND FILE            how many cases KIND has for FILE
 *   fuzz-mutate make KIND FILE K SEED OUT  damage OUT, a copy of FILE, as case K;
 *                                          print what it did
 *   fuzz-mutate undo KIND FILE K SEED OUT  make OUT a copy of FILE again
 *   fuzz-mutate head IDX N OUT             the first N items of IDX, plain
 *
 * KIND is
 *   ckpt   a genlab checkpoint (format in common/checkpoint.h). Its fields are
 *          found by walking the valid file, so every case knows where it cuts
 *          or what it flips: truncations at every field boundary (and one byte
 *          either side) and at random offsets; a flipped byte in every header
 *          field and at random places in the data; every size field set to 0,
 *          1 and huge, both with the old checksum and with a recomputed one
 *          (so that the loader's structural checks are tried, not only its
 *          checksum); bytes appended.
 *   idx    a plain IDX file: truncations at the header fields and at random
 *          offsets; flipped bytes in the magic and in every size field; sizes
 *          set to 0, 1 and huge; bytes appended. (A flipped pixel of a plain
 *          file is a valid file: IDX has no checksum, so data flips are not
 *          cases here; the .gz cases cover damaged data.)
 *   gz     a gzip-compressed IDX file: truncations anywhere; flipped bytes in
 *          the compressed data and in its checksum and length trailer. (Not
 *          flipped: the header's time stamp and OS bytes and the last byte of
 *          the deflate data, whose unused padding bits gzip never reads.)
 *
 * Every case must make the program that reads it exit with status 1 and one
 * line on stderr. Deterministic: the same K and SEED give the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FIELDS 1024

typedef struct field {
    size_t at, len;      /* bytes [at, at + len)                   */
    int is_size;         /* a count or size that the loader trusts */
} field;

static unsigned char *data;
static size_t size;
static field fields[MAX_FIELDS];
static size_t n_fields;
static int crc_at_end;   /* a checkpoint: a crc32 of everything before the last 4 bytes */

static void add_field(size_t at, size_t len, int is_size)
{
    if (n_fields < MAX_FIELDS && at + len <= size)
        fields[n_fields++] = (field){at, len, is_size};
}

/* mapped, not read: a 35 MB checkpoint costs nothing to open again */
static void read_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(path);
        exit(2);
    }
    size = (size_t)st.st_size;
    data = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    if (size && data == MAP_FAILED) {
        perror(path);
        exit(2);
    }
    close(fd);
}

static uint64_t le(size_t at, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v |= (uint64_t)data[at + i] << (8 * i);
    return v;
}

/* the fields of a valid checkpoint, by walking it */
static void layout_checkpoint(void)
{
    crc_at_end = 1;
    add_field(0, 8, 0);                         /* magic    */
    add_field(8, 4, 0);                         /* version  */
    add_field(12, 4, 1);                        /* n_blocks */
    const uint64_t n_blocks = le(12, 4);
    size_t at = 16;
    for (uint64_t b = 0; b < n_blocks && at + 56 <= size; b++) {
        add_field(at, 48, 0);                   /* name  */
        add_field(at + 48, 8, 1);               /* count */
        const uint64_t count = le(at + 48, 8);
        add_field(at + 56, (size_t)count * 8, 0);
        at += 56 + (size_t)count * 8;
    }
    add_field(at, 32, 0);                       /* rng name */
    add_field(at + 32, 8, 1);                   /* rng size */
    add_field(at + 40, (size_t)le(at + 32, 8), 0);
    add_field(size - 4, 4, 0);                  /* crc      */
}

static uint32_t be32(size_t at)
{
    return (uint32_t)data[at] << 24 | (uint32_t)data[at + 1] << 16 | (uint32_t)data[at + 2] << 8 | data[at + 3];
}

static void layout_idx(void)
{
    add_field(0, 4, 0);                         /* magic */
    const int images = size >= 4 && be32(0) == 0x803;
    const int words = images ? 4 : 2;
    for (int k = 1; k < words; k++)
        add_field(4 * (size_t)k, 4, 1);         /* count, rows, cols */
    add_field(4 * (size_t)words, size - 4 * (size_t)words, 0);
}

/* ---- the cases -------------------------------------------------------- */

typedef enum { TRUNCATE, FLIP, SET_SIZE, APPEND } op_kind;

typedef struct mutation {
    op_kind op;
    size_t at;           /* truncate: new size; flip: byte; set: field index */
    unsigned value;      /* flip: xor mask; set: 0 = zero, 1 = one, 2 = huge; append: bytes */
    int fix_crc;         /* recompute the checkpoint's checksum afterwards */
} mutation;

#define MAX_CASES 4096
static mutation cases[MAX_CASES];
static size_t n_cases;

static void add_case(op_kind op, size_t at, unsigned value, int fix_crc)
{
    if (n_cases < MAX_CASES)
        cases[n_cases++] = (mutation){op, at, value, fix_crc};
}

/* a small deterministic generator (xorshift64*), independent of libc */
static uint64_t rng_state;
static uint64_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void plan(const char *kind, uint64_t seed)
{
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    if (strcmp(kind, "gz") == 0) {
        /* truncations: 40 random cuts and the obvious places */
        add_case(TRUNCATE, 0, 0, 0);
        add_case(TRUNCATE, 10, 0, 0);
        add_case(TRUNCATE, size - 1, 0, 0);
        add_case(TRUNCATE, size - 8, 0, 0);
        for (int k = 0; k < 60; k++)
            add_case(TRUNCATE, 1 + next_random() % (size - 1), 0, 0);
        /* the deflate data runs from byte 10 (no optional header fields:
         * gzip -n) to size - 9; its last byte holds unused padding bits */
        for (int k = 0; k < 120; k++)
            add_case(FLIP, 10 + next_random() % (size - 20), 1u << (next_random() % 8), 0);
        for (size_t k = size - 8; k < size; k++)   /* crc32 and length */
            add_case(FLIP, k, 0x01, 0);
        add_case(FLIP, 0, 0xff, 0);                /* gzip magic */
        add_case(FLIP, 2, 0x01, 0);                /* method     */
        return;
    }
    /* ckpt and idx: every field boundary, and a byte either side */
    for (size_t f = 0; f < n_fields; f++) {
        const size_t at = fields[f].at;
        add_case(TRUNCATE, at, 0, 0);
        if (at > 0)
            add_case(TRUNCATE, at - 1, 0, 0);
        add_case(TRUNCATE, at + 1, 0, 0);
    }
    add_case(TRUNCATE, size - 1, 0, 0);
    for (int k = 0; k < 40; k++)
        add_case(TRUNCATE, next_random() % size, 0, 0);
    /* a flipped byte in every header field (every byte of short ones) */
    for (size_t f = 0; f < n_fields; f++) {
        const field *F = &fields[f];
        if (F->len <= 8) {
            for (size_t b = 0; b < F->len; b++)
                add_case(FLIP, F->at + b, b == F->len - 1 ? 0x80 : 0x01, 0);
        } else if (F->len > 0 && F->len < 64) {
            add_case(FLIP, F->at + next_random() % F->len, 0x20, 0);
        }
    }
    /* flipped bytes in the data (a checkpoint: its checksum must see them) */
    if (crc_at_end)
        for (int k = 0; k < 40; k++)
            add_case(FLIP, next_random() % (size - 4), 1u << (next_random() % 8), 0);
    /* size fields set to 0, 1 and huge (not to the value they hold: that
     * would be no damage); a checkpoint both ways */
    for (size_t f = 0; f < n_fields; f++)
        if (fields[f].is_size)
            for (unsigned v = 0; v < 3; v++) {
                const uint64_t now = strcmp(kind, "idx") == 0 ? be32(fields[f].at) : le(fields[f].at, fields[f].len);
                if ((v == 0 && now == 0) || (v == 1 && now == 1))
                    continue;
                add_case(SET_SIZE, f, v, 0);
                if (crc_at_end)
                    add_case(SET_SIZE, f, v, 1);
            }
    /* bytes appended */
    add_case(APPEND, 0, 1, 0);
    add_case(APPEND, 0, 4, 0);
    add_case(APPEND, 0, 1000, 0);
    if (crc_at_end)
        add_case(APPEND, 0, 8, 1);
}

/* Does the gzip data in buf inflate, without error, to what the original
 * file inflates to? */
static unsigned char *original_inflated;
static size_t original_inflated_size;

static int inflate_all(const unsigned char *in, size_t n, unsigned char **out, size_t *out_size)
{
    z_stream z = {0};
    size_t cap = 1 << 20, len = 0;
    unsigned char *buf = malloc(cap);
    if (!buf || inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return -1;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    int rc;
    do {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                return -1;
        }
        z.next_out = buf + len;
        z.avail_out = (uInt)(cap - len);
        rc = inflate(&z, Z_NO_FLUSH);
        len = cap - z.avail_out;
    } while (rc == Z_OK);
    inflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_size = len;
    return 0;
}

static int inflates_to_original(const unsigned char *buf, size_t n)
{
    unsigned char *out;
    size_t out_size;
    if (!original_inflated && inflate_all(data, size, &original_inflated, &original_inflated_size) != 0)
        return 0;
    if (inflate_all(buf, n, &out, &out_size) != 0)
        return 0;
    int same = out_size == original_inflated_size && memcmp(out, original_inflated, out_size) == 0;
    free(out);
    return same;
}

/* A gzip case (only truncations and flips: see plan) as a whole new file:
 * gzip files are small, and a flip must be tried against inflate. Returns
 * the new size and writes a description. */
static size_t apply_gz(const mutation *m, unsigned char **out, char *what, size_t what_size)
{
    size_t n = size;
    unsigned char *buf = malloc(size + 1);
    if (!buf)
        exit(2);
    memcpy(buf, data, size);
    if (m->op == TRUNCATE) {
        n = m->at < size ? m->at : size - 1;
        snprintf(what, what_size, "truncated to %zu of %zu bytes", n, size);
    } else {
        size_t at = m->at;
        buf[at] ^= (unsigned char)m->value;
        /* some bits of the deflate data are never read (codes of the
         * code-length alphabet no symbol uses...): a flip there is no damage.
         * Move on until the file inflates to something else, or not at all. */
        while (inflates_to_original(buf, n) && at + 9 < size) {
            buf[at] ^= (unsigned char)m->value;
            buf[++at] ^= (unsigned char)m->value;
        }
        snprintf(what, what_size, "byte %zu xor 0x%02x", at, m->value);
    }
    *out = buf;
    return n;
}

/* ---- in place: TARGET starts as a copy of FILE, and only the bytes a case
 * changes are written (and written back by `undo`), so that a case of a
 * 35 MB checkpoint does not cost a 35 MB copy ---- */
typedef struct patch {
    size_t n;                     /* the damaged file's size             */
    size_t at, len;               /* bytes [at, at + len) replaced ...   */
    unsigned char bytes[1024];    /* ... by these                        */
    int crc_at_end;               /* the last 4 bytes: a new checksum    */
    uint32_t crc;
} patch;

/* the crc32 of the damaged file's first n - 4 bytes, without building it */
static uint32_t patched_crc(const patch *P)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    const size_t body = P->n - 4;
    size_t pos = 0;
    while (pos < body) {
        const unsigned char *src;
        size_t len;
        if (pos >= P->at && pos < P->at + P->len) {
            src = P->bytes + (pos - P->at);
            len = P->at + P->len - pos;
        } else {
            src = data + pos;
            len = (pos < P->at ? P->at : size) - pos;
        }
        if (len > body - pos)
            len = body - pos;
        for (size_t done = 0; done < len;) {
            size_t chunk = len - done > (1u << 30) ? (1u << 30) : len - done;
            crc = crc32(crc, src + done, (uInt)chunk);
            done += chunk;
        }
        pos += len;
    }
    return (uint32_t)crc;
}

static int plan_patch(const mutation *m, const char *kind, patch *P, char *what, size_t what_size)
{
    memset(P, 0, sizeof *P);
    P->n = size;
    switch (m->op) {
    case TRUNCATE:
        P->n = m->at < size ? m->at : size - 1;
        snprintf(what, what_size, "truncated to %zu of %zu bytes", P->n, size);
        break;
    case FLIP:
        P->at = m->at;
        P->len = 1;
        P->bytes[0] = data[m->at] ^ (unsigned char)m->value;
        snprintf(what, what_size, "byte %zu xor 0x%02x", m->at, m->value);
        break;
    case SET_SIZE: {
        const field *F = &fields[m->at];
        const int big_endian = strcmp(kind, "idx") == 0;
        uint64_t v = m->value == 0 ? 0 : m->value == 1 ? 1 : (F->len == 4 ? 0xFFFFFFF0u : 0x7FFFFFFFFFFFFFF0ULL);
        P->at = F->at;
        P->len = F->len;
        for (size_t b = 0; b < F->len; b++)
            P->bytes[b] = (unsigned char)(v >> (8 * (big_endian ? F->len - 1 - b : b)));
        snprintf(what, what_size, "size field at byte %zu set to %llu%s", F->at, (unsigned long long)v,
                 m->fix_crc ? ", checksum recomputed" : "");
        break;
    }
    case APPEND:
        P->at = size;
        P->len = m->value;
        P->n = size + m->value;
        for (size_t b = 0; b < P->len; b++)
            P->bytes[b] = (unsigned char)(next_random() & 0xff);
        snprintf(what, what_size, "%u bytes appended%s", m->value, m->fix_crc ? ", checksum recomputed" : "");
        break;
    }
    if (m->fix_crc) {
        P->crc_at_end = 1;
        P->crc = patched_crc(P);
        if (m->op == APPEND)            /* the new checksum ends the appended bytes */
            memcpy(P->bytes + P->len - 4, &P->crc, 4);
    }
    return 0;
}

static int write_at(int fd, const void *buf, size_t n, size_t at)
{
    return n && pwrite(fd, buf, n, (off_t)at) != (ssize_t)n ? -1 : 0;
}

/* damage TARGET (a copy of FILE) in place, or (undo) make it FILE again */
static int in_place(const patch *P, const char *target, int undo)
{
    int fd = open(target, O_RDWR);
    if (fd < 0)
        return -1;
    int bad = 0;
    if (!undo) {
        if (P->n < size)
            bad |= ftruncate(fd, (off_t)P->n);
        bad |= write_at(fd, P->bytes, P->len, P->at);
        if (P->crc_at_end && P->at + P->len != P->n)   /* (APPEND carries its own) */
            bad |= write_at(fd, &P->crc, 4, P->n - 4);
    } else {
        bad |= ftruncate(fd, (off_t)size);
        if (P->n < size)
            bad |= write_at(fd, data + P->n, size - P->n, P->n);
        if (P->at < size)
            bad |= write_at(fd, data + P->at, P->len, P->at);
        if (P->crc_at_end && P->n <= size)
            bad |= write_at(fd, data + P->n - 4, 4, P->n - 4);
    }
    return close(fd) | bad;
}

/* fuzz-mutate head IDX N OUT: the first N items of an IDX file (plain or
 * .gz) as a plain IDX file: the small data set the IDX cases start from. */
static int head(const char *path, unsigned long n_items, const char *out)
{
    gzFile g = gzopen(path, "rb");
    unsigned char h[16];
    if (!g || gzread(g, h, 8) != 8)
        return 2;
    size_t words = h[3] == 3 ? 4 : 2, item = 1;
    if (words == 4 && gzread(g, h + 8, 8) != 8)
        return 2;
    for (size_t k = 2; k < words; k++)
        item *= (size_t)h[4 * k] << 24 | (size_t)h[4 * k + 1] << 16 | (size_t)h[4 * k + 2] << 8 | h[4 * k + 3];
    h[4] = (unsigned char)(n_items >> 24); h[5] = (unsigned char)(n_items >> 16);
    h[6] = (unsigned char)(n_items >> 8); h[7] = (unsigned char)n_items;
    unsigned char *body = malloc(item * n_items);
    if (!body || gzread(g, body, (unsigned)(item * n_items)) != (int)(item * n_items))
        return 2;
    gzclose(g);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(h, 1, 4 * words, f) != 4 * words || fwrite(body, 1, item * n_items, f) != item * n_items ||
        fclose(f) != 0)
        return 2;
    free(body);
    return 0;
}

/* ---- run: every (or CAP sampled) case against a command ----------------
 *
 *   fuzz-mutate run KIND FILE TARGET CAP MEM_MB LABEL -- CMD ARGS...
 *
 * TARGET is made a copy of FILE; for each case it is damaged, CMD is run
 * (stdout to /dev/null, a 30 s limit, address space MEM_MB if not 0), its
 * exit status and stderr lines are checked (1 and exactly one), and TARGET
 * is made whole again. Finally the whole file must load (exit 0). Prints one
 * PASS or FAIL line, the failing cases, and exits 0 only if all behaved.
 * (In C rather than a shell loop: one process per case, not ten.) */
static int run_command(char **cmd, long mem_mb, int *lines, char *first, size_t first_size)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -2;
    pid_t pid = fork();
    if (pid < 0)
        return -2;
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(fds[1], 2);
        close(fds[0]);
        if (mem_mb > 0) {
            struct rlimit lim = {(rlim_t)mem_mb << 20, (rlim_t)mem_mb << 20};
            setrlimit(RLIMIT_AS, &lim);
        }
        execvp(cmd[0], cmd);
        _exit(127);
    }
    close(fds[1]);
    *lines = 0;
    size_t kept = 0;
    first[0] = '\0';
    const time_t deadline = time(NULL) + 30;
    int timed_out = 0;
    for (;;) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int ready = poll(&pfd, 1, 1000);
        if (ready == 0) {
            if (time(NULL) > deadline) {
                kill(pid, SIGKILL);
                timed_out = 1;
                break;
            }
            continue;
        }
        char buf[4096];
        ssize_t got = read(fds[0], buf, sizeof buf);
        if (got <= 0)
            break;
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n')
                (*lines)++;
            if (kept + 1 < first_size)
                first[kept++] = buf[i] == '\n' ? '|' : buf[i];
        }
        first[kept] = '\0';
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (timed_out)
        return -1;                       /* a hang */
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

static int write_whole(const char *path, const unsigned char *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || (n && fwrite(buf, 1, n, f) != n) || fclose(f) != 0)
        return -1;
    return 0;
}

static int run_cases(const char *kind, const char *target, size_t cap, long mem_mb, const char *label,
                     char **cmd)
{
    const size_t m = n_cases < cap ? n_cases : cap;
    size_t failed = 0;
    char what[256], first[400];
    if (write_whole(target, data, size) != 0) {
        perror(target);
        return 2;
    }
    for (size_t i = 0; i < m; i++) {
        const size_t k = i * n_cases / m;
        patch P;
        int in_place_case = strcmp(kind, "gz") != 0;
        if (in_place_case) {
            plan_patch(&cases[k], kind, &P, what, sizeof what);
            if (in_place(&P, target, 0) != 0)
                return 2;
        } else {
            unsigned char *buf;
            size_t n = apply_gz(&cases[k], &buf, what, sizeof what);
            int bad = write_whole(target, buf, n);
            free(buf);
            if (bad)
                return 2;
        }
        int lines;
        const int st = run_command(cmd, mem_mb, &lines, first, sizeof first);
        if (st != 1 || lines != 1) {
            if (failed++ < 20)
                printf("        case %zu (%s): %s %d, %d line(s) on stderr: %s\n", k, what,
                       st == -1 ? "hung, killed after 30 s" : "exit", st, lines, first);
        }
        if (in_place_case ? in_place(&P, target, 1) != 0 : write_whole(target, data, size) != 0)
            return 2;
    }
    /* the undamaged file must load: a loader that refuses everything would
     * pass every case above */
    int lines;
    const int st = run_command(cmd, mem_mb, &lines, first, sizeof first);
    if (st != 0) {
        printf("        the undamaged file was refused (exit %d): %s\n", st, first);
        failed++;
    }
    if (failed)
        printf("FAIL  robust %s: %zu of %zu cases misbehaved\n", label, failed, m);
    else
        printf("PASS  robust %s: %zu damaged files, each exit 1 with one line\n", label, m);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc > 9 && strcmp(argv[1], "run") == 0 && strcmp(argv[8], "--") == 0) {
        const char *kind = argv[2];
        read_file(argv[3]);
        if (strcmp(kind, "ckpt") == 0)
            layout_checkpoint();
        else if (strcmp(kind, "idx") == 0)
            layout_idx();
        plan(kind, 1);
        fflush(stdout);
        return run_cases(kind, argv[4], strtoul(argv[5], NULL, 10), strtol(argv[6], NULL, 10), argv[7],
                         argv + 9);
    }
    if (argc == 5 && strcmp(argv[1], "head") == 0)
        return head(argv[2], strtoul(argv[3], NULL, 10), argv[4]);
    const int make_or_undo = strcmp(argv[1], "make") == 0 || strcmp(argv[1], "undo") == 0;
    if (argc < 4 || (strcmp(argv[1], "count") != 0 && !make_or_undo) || (make_or_undo && argc != 7)) {
        fprintf(stderr, "usage: fuzz-mutate count KIND FILE | make|undo KIND FILE K SEED TARGET\n");
        return 2;
    }
    const char *kind = argv[2];
    read_file(argv[3]);
    if (size < 24) {
        fprintf(stderr, "%s: too small to mutate\n", argv[3]);
        return 2;
    }
    if (strcmp(kind, "ckpt") == 0)
        layout_checkpoint();
    else if (strcmp(kind, "idx") == 0)
        layout_idx();
    else if (strcmp(kind, "gz") != 0) {
        fprintf(stderr, "KIND is ckpt, idx or gz\n");
        return 2;
    }
    const uint64_t seed = argc == 7 ? strtoull(argv[5], NULL, 10) : 1;
    plan(kind, seed);
    if (strcmp(argv[1], "count") == 0) {
        printf("%zu\n", n_cases);
        return 0;
    }
    const size_t k = strtoul(argv[4], NULL, 10);
    if (k >= n_cases) {
        fprintf(stderr, "case %zu: there are %zu\n", k, n_cases);
        return 2;
    }
    char what[256];
    if (strcmp(kind, "gz") != 0) {          /* in place (see in_place) */
        patch P;
        plan_patch(&cases[k], kind, &P, what, sizeof what);
        if (in_place(&P, argv[6], strcmp(argv[1], "undo") == 0) != 0) {
            perror(argv[6]);
            return 2;
        }
        if (strcmp(argv[1], "make") == 0)
            printf("%s\n", what);
        return 0;
    }
    if (strcmp(argv[1], "undo") == 0) {     /* gz: small files, rewritten whole */
        FILE *f = fopen(argv[6], "wb");
        if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
            return 2;
        return 0;
    }
    unsigned char *buf;
    const size_t n = apply_gz(&cases[k], &buf, what, sizeof what);
    FILE *f = fopen(argv[6], "wb");
    if (!f || fwrite(buf, 1, n, f) != n || fclose(f) != 0) {
        perror(argv[6]);
        return 2;
    }
    printf("%s\n", what);
    free(buf);
    return 0;
}
