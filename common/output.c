/* output.c -- see output.h. */
#include "output.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard.h"

void out_prepare(const char *dir)
{
    char path[4096];
    if (strlen(dir) == 0 || strlen(dir) >= sizeof path)
        die("--out: '%s' is not a usable directory name", dir);
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
}

FILE *out_open(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write '%s': %s", path, strerror(errno));
    return f;
}

void out_close(FILE *f, const char *name)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        die("could not finish writing '%s'", name);
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
