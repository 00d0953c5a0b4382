/* output.c -- see output.h. */
#include "output.h"

#include <stdarg.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.h"

#define OUT_PATH_MAX 4096
#define OUT_MAX_OPEN 16

/* The files being written: each goes to a temporary name first and is
 * renamed over its real name once it is complete (out_close). */
static struct open_file {
    FILE *f;
    char tmp[OUT_PATH_MAX], path[OUT_PATH_MAX];
} open_files[OUT_MAX_OPEN];
static int cleanup_registered;

/* At exit (a die() half way through a file, say): remove what was not
 * finished, so that --out holds only whole files. */
static void remove_unfinished(void)
{
    for (int i = 0; i < OUT_MAX_OPEN; i++)
        if (open_files[i].f) {
            fclose(open_files[i].f);
            unlink(open_files[i].tmp);
            open_files[i].f = NULL;
        }
}

void out_path(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        die("output path too long: '%.60s.../%s' (choose a shorter --out)", dir, name);
}

void out_prepare(const char *dir)
{
    char path[OUT_PATH_MAX];
    /* the longest name a run writes inside dir is well under 200 bytes */
    if (strlen(dir) == 0 || strlen(dir) >= sizeof path - 256)
        die("--out: '%.60s...' is not a usable directory name (empty or too long)", dir);
    strcpy(path, dir);
    /* mkdir -p: create each missing component in turn */
    for (char *p = path + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                die("cannot create output directory '%s': %s", path, strerror(errno));
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        die("output path '%s' is not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        die("cannot write to output directory '%s': %s", dir, strerror(errno));
    /* One run per directory at a time: two runs writing the same files would
     * leave a mixture. The lock is released when the process ends, however
     * it ends, so a crashed run never blocks the next one. */
    out_path(path, sizeof path, dir, ".genlab.lock");
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        die("cannot create the lock file '%s': %s", path, strerror(errno));
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_SETLK, &lock) != 0) {
        if (errno == EACCES || errno == EAGAIN)
            die("another run is writing into '%s' right now; wait for it or choose another --out", dir);
        die("cannot lock '%s': %s", path, strerror(errno));
    }
    /* fd stays open (and locked) until the process exits */
}

FILE *out_open(const char *dir, const char *name)
{
    int slot = 0;
    while (slot < OUT_MAX_OPEN && open_files[slot].f)
        slot++;
    if (slot == OUT_MAX_OPEN)
        die("internal error: more than %d output files open at once", OUT_MAX_OPEN);
    struct open_file *o = &open_files[slot];
    out_path(o->path, sizeof o->path, dir, name);
    char tmpname[300];
    snprintf(tmpname, sizeof tmpname, ".%s.tmp-%ld", name, (long)getpid());
    out_path(o->tmp, sizeof o->tmp, dir, tmpname);
    if (!cleanup_registered) {
        atexit(remove_unfinished);
        cleanup_registered = 1;
    }
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        die("cannot write '%s': %s", o->path, strerror(errno));
    return o->f;
}

void out_close(FILE *f, const char *name)
{
    struct open_file *o = NULL;
    for (int i = 0; i < OUT_MAX_OPEN && !o; i++)
        if (open_files[i].f == f)
            o = &open_files[i];
    if (!o)
        die("internal error: out_close on a file out_open did not open (%s)", name);
    int bad = ferror(f);
    o->f = NULL;
    if (fclose(f) != 0 || bad) {
        int e = errno;
        unlink(o->tmp);
        die("could not finish writing '%s'%s%s", o->path, e ? ": " : "", e ? strerror(e) : "");
    }
    if (rename(o->tmp, o->path) != 0) {
        int e = errno;
        unlink(o->tmp);
        die("cannot replace '%s': %s", o->path, strerror(e));
    }
}

void out_write_matrix(const char *dir, const char *name, const char *header,
                      const gsl_matrix *M)
{
    FILE *f = out_open(dir, name);
    fprintf(f, "# %s\n", header);
    for (size_t i = 0; i < M->size1; i++) {
        for (size_t j = 0; j < M->size2; j++)
            fprintf(f, j ? " %.9g" : "%.9g", gsl_matrix_get(M, i, j));
        fputc('\n', f);
    }
    out_close(f, name);
}

void out_write_rows(FILE *f, const gsl_matrix *A, const gsl_matrix *B)
{
    for (size_t i = 0; i < A->size1; i++) {
        for (size_t j = 0; j < A->size2 + B->size2; j++)
            fprintf(f, j ? " %.9g" : "%.9g", j < A->size2 ? gsl_matrix_get(A, i, j) : gsl_matrix_get(B, i, j - A->size2));
        fputc('\n', f);
    }
}

const char *out_name(const char *fmt, ...)
{
    static char name[256];
    va_list ap;
    va_start(ap, fmt);
    const int len = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof name)
        die("internal error: a name of %d characters (at most %zu)", len, sizeof name - 1);
    return name;
}
