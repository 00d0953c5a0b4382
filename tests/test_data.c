/* test_data.c -- IDX reading (plain, gzip, damaged files), the shipped MNIST
 * files, the dataset selection (--dataset, --data, the judge's default), and
 * checkpoints (round trip, exact resume, damaged files). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "genlab.h"

#include "testlib.h"

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24); p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);  p[3] = (unsigned char)v;
}

/* 3 images of 2 x 2: pixel j of image i is 10 i + j; `cut` bytes missing */
static void write_images(const char *path, uint32_t magic, size_t cut, int gz)
{
    unsigned char buf[16 + 12];
    be32(buf, magic); be32(buf + 4, 3); be32(buf + 8, 2); be32(buf + 12, 2);
    for (int i = 0; i < 12; i++)
        buf[16 + i] = (unsigned char)(10 * (i / 4) + i % 4);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        gzwrite(f, buf, (unsigned)(sizeof buf - cut));
        gzclose(f);
    } else {
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, sizeof buf - cut, f);
        fclose(f);
    }
}

static void test_idx_plain_and_gz(void **state)
{
    (void)state;
    char path[128], err[512];
    gsl_matrix *M;
    size_t r, c;
    snprintf(path, sizeof path, "%s/a-images-idx3-ubyte", dir);
    write_images(path, 0x803, 0, 0);
    assert_int_equal(idx_read_images(path, &M, &r, &c, err, sizeof err), 0);
    assert_int_equal(M->size1, 3);
    assert_int_equal(r * c, 4);
    assert_true(fabs(gsl_matrix_get(M, 2, 3) - 23.0 / 255.0) < 1e-15);
    gsl_matrix_free(M);
    /* a name without .gz finds the .gz file */
    snprintf(path, sizeof path, "%s/b-images-idx3-ubyte.gz", dir);
    write_images(path, 0x803, 0, 1);
    snprintf(path, sizeof path, "%s/b-images-idx3-ubyte", dir);
    assert_int_equal(idx_read_images(path, &M, &r, &c, err, sizeof err), 0);
    assert_true(fabs(gsl_matrix_get(M, 1, 2) - 12.0 / 255.0) < 1e-15);
    gsl_matrix_free(M);
}

static void test_idx_bad_files(void **state)
{
    (void)state;
    char path[128], err[512];
    gsl_matrix *M;
    size_t r, c;
    snprintf(path, sizeof path, "%s/missing-images", dir);
    assert_int_equal(idx_read_images(path, &M, &r, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open"));

    snprintf(path, sizeof path, "%s/magic-images", dir);
    write_images(path, 0x801, 0, 0);                    /* a label file's magic */
    assert_int_equal(idx_read_images(path, &M, &r, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "wrong magic"));
    assert_non_null(strstr(err, path));                 /* names the file */

    snprintf(path, sizeof path, "%s/short-images", dir);
    write_images(path, 0x803, 3, 1);                    /* last image cut short */
    assert_int_equal(idx_read_images(path, &M, &r, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));

    snprintf(path, sizeof path, "%s/header-images", dir);
    write_images(path, 0x803, 20, 0);                   /* header cut short */
    assert_int_equal(idx_read_images(path, &M, &r, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated header"));

    unsigned char *labels;
    size_t n;
    assert_int_equal(idx_read_labels(path, &labels, &n, err, sizeof err), -1);
}

static void test_shipped_mnist(void **state)
{
    (void)state;
    /* the original MNIST: 60 000 / 10 000, with the published class counts */
    static const size_t train_counts[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    static const size_t test_counts[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    image_set *train = mnist_load("datasets/mnist", "train");
    image_set *test = mnist_load("datasets/mnist", "t10k");
    assert_int_equal(train->n, 60000);
    assert_int_equal(test->n, 10000);
    assert_int_equal(train->rows, 28);
    assert_int_equal(train->cols, 28);
    size_t per_train[10] = {0}, per_test[10] = {0};
    for (size_t i = 0; i < train->n; i++)
        per_train[train->labels[i]]++;
    for (size_t i = 0; i < test->n; i++)
        per_test[test->labels[i]]++;
    for (int k = 0; k < 10; k++) {
        assert_int_equal(per_train[k], train_counts[k]);
        assert_int_equal(per_test[k], test_counts[k]);
    }
    /* the first training digit of the original file is a 5, the first test digit a 7 */
    assert_int_equal(train->labels[0], 5);
    assert_int_equal(test->labels[0], 7);
    assert_true(gsl_matrix_max(train->images) == 1.0 && gsl_matrix_min(train->images) == 0.0);
    /* loading some classes only = loading all and keeping the rows of those
     * labels: the same images, labels and order (a class outside 0-9 matches
     * nothing) */
    static const unsigned char some[3] = {7, 2, 42};
    image_set *only = mnist_load_classes("datasets/mnist", "train", some, 3);
    assert_int_equal(only->n, 6265 + 5958);
    assert_int_equal(only->images->size1, only->n);
    size_t k = 0;
    for (size_t i = 0; i < train->n; i++) {
        if (train->labels[i] != 7 && train->labels[i] != 2)
            continue;
        assert_true(k < only->n);
        assert_int_equal(only->labels[k], train->labels[i]);
        gsl_vector_view a = gsl_matrix_row(only->images, k), b = gsl_matrix_row(train->images, i);
        assert_true(gsl_vector_equal(&a.vector, &b.vector));
        k++;
    }
    assert_int_equal(k, only->n);
    image_set_free(only);
    image_set_free(train);
    image_set_free(test);
}

/* ---- checkpoints --------------------------------------------------------- */
/* a tiny training run: fit a dense layer to y = 2x with Adam, from a seed */
typedef struct run {
    params *P;
    dense L;
    optimizer *opt;
    gsl_rng *r;
    long step;
    gsl_matrix *X, *Y, *Yhat, *dY;
} run;

static void run_init(run *t)
{
    t->P = params_alloc(dense_size(3, 2));
    dense_bind(&t->L, t->P, 3, 2);
    t->r = rng_new(3);
    dense_init_xavier(&t->L, t->r);
    t->opt = optim_adam(t->P, 0.01, 0.9, 0.999);
    t->step = 0;
    t->X = gsl_matrix_alloc(8, 3); t->Y = gsl_matrix_alloc(8, 2);
    t->Yhat = gsl_matrix_alloc(8, 2); t->dY = gsl_matrix_alloc(8, 2);
}

static void run_steps(run *t, int n)
{
    for (int i = 0; i < n; i++, t->step++) {
        rng_fill_gaussian(t->r, t->X, 0, 1);             /* uses the generator */
        gsl_matrix_view x2 = gsl_matrix_submatrix(t->X, 0, 0, 8, 2);
        gsl_matrix_memcpy(t->Y, &x2.matrix);
        gsl_matrix_scale(t->Y, 2.0);
        params_zero_grad(t->P);
        dense_forward(&t->L, t->X, t->Yhat);
        loss_mse(t->Yhat, t->Y, t->dY);
        dense_backward(&t->L, t->X, t->dY, NULL);
        optim_step(t->opt);
    }
}

static void run_free(run *t)
{
    gsl_matrix_free(t->X); gsl_matrix_free(t->Y); gsl_matrix_free(t->Yhat); gsl_matrix_free(t->dY);
    optim_free(t->opt); params_free(t->P); gsl_rng_free(t->r);
}

static void describe(checkpoint *ck, run *t)
{
    memset(ck, 0, sizeof *ck);
    checkpoint_add_params(ck, "net", t->P);
    checkpoint_add_optimizer(ck, "net.adam", t->opt);
    checkpoint_add_long(ck, "step", &t->step);
}

static void test_checkpoint_exact_resume(void **state)
{
    (void)state;
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    run straight, first, resumed;
    checkpoint ck;
    run_init(&straight);
    run_steps(&straight, 70);                 /* N + M in one go */
    run_init(&first);
    run_steps(&first, 30);                    /* N, then save */
    describe(&ck, &first);
    assert_int_equal(checkpoint_save(&ck, path, first.r, err, sizeof err), 0);
    run_init(&resumed);                       /* a new process, in effect */
    describe(&ck, &resumed);
    assert_int_equal(checkpoint_load(&ck, path, resumed.r, err, sizeof err), 0);
    assert_int_equal(resumed.step, 30);
    assert_int_equal(resumed.opt->step, 30);
    run_steps(&resumed, 40);                  /* M more */
    assert_true(gsl_vector_equal(straight.P->value, resumed.P->value));   /* bit for bit */
    assert_true(gsl_vector_equal(straight.opt->v, resumed.opt->v));
    run_free(&straight); run_free(&first); run_free(&resumed);
}

static void test_checkpoint_refuses_bad_files(void **state)
{
    (void)state;
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/bad.ckpt", dir);
    run t;
    run_init(&t);
    checkpoint ck;
    describe(&ck, &t);
    assert_int_equal(checkpoint_save(&ck, path, t.r, err, sizeof err), 0);
    gsl_vector *before = gsl_vector_alloc(t.P->value->size);
    gsl_vector_memcpy(before, t.P->value);

    /* one flipped byte in the middle: checksum */
    FILE *f = fopen(path, "r+b");
    fseek(f, 100, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, 100, SEEK_SET);
    fputc(ch ^ 0x40, f);
    fclose(f);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);
    assert_non_null(strstr(err, "checksum"));
    assert_true(gsl_vector_equal(before, t.P->value));  /* model untouched */

    /* truncated */
    assert_int_equal(checkpoint_save(&ck, path, t.r, err, sizeof err), 0);
    assert_int_equal(truncate(path, 60), 0);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));

    /* a model of another shape */
    assert_int_equal(checkpoint_save(&ck, path, t.r, err, sizeof err), 0);
    params *other = params_alloc(5);
    checkpoint ck2 = {0};
    checkpoint_add_params(&ck2, "net", other);
    checkpoint_add_optimizer(&ck2, "net.adam", t.opt);
    checkpoint_add_long(&ck2, "step", &t.step);
    assert_int_equal(checkpoint_load(&ck2, path, t.r, err, sizeof err), -1);
    assert_non_null(strstr(err, "net.params"));

    /* not a checkpoint at all */
    f = fopen(path, "wb");
    fputs("hello, this is not a checkpoint", f);
    fclose(f);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);
    assert_non_null(strstr(err, "wrong magic"));
    params_free(other);
    gsl_vector_free(before);
    run_free(&t);
}

/* Damage the loader must name with the values it read, by kind, without
 * crashing, and with checkpoint_verify (no model) agreeing. */
static void patch(const char *path, long at, const void *bytes, size_t n, int fix_crc)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    fwrite(bytes, 1, n, f);
    if (fix_crc) {            /* a damaged file with a valid checksum */
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        unsigned char *buf = malloc((size_t)size);
        fseek(f, 0, SEEK_SET);
        assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
        uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(size - 4));
        fseek(f, size - 4, SEEK_SET);
        fwrite(&crc, 4, 1, f);
        free(buf);
    }
    fclose(f);
}

static void test_checkpoint_damage_kinds(void **state)
{
    (void)state;
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/kinds.ckpt", dir);
    run t;
    run_init(&t);
    checkpoint ck;
    describe(&ck, &t);
    assert_int_equal(checkpoint_save(&ck, path, t.r, err, sizeof err), 0);
    assert_int_equal(checkpoint_verify(path, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    const long size = (long)st.st_size;
    char saved[128];
    snprintf(saved, sizeof saved, "%s/kinds.orig", dir);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "cp %s %s", path, saved);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "cp %s %s", saved, path);

    /* cut at 10 bytes: the message gives what was read, not what we expect */
    assert_int_equal(truncate(path, 10), 0);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_DAMAGED);
    assert_non_null(strstr(err, "10 bytes"));
    assert_int_equal(checkpoint_verify(path, err, sizeof err), -1);

    /* another version */
    assert_int_equal(system(cmd), 0);
    const uint32_t v7 = 7;
    patch(path, 8, &v7, 4, 1);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_FORMAT);
    assert_non_null(strstr(err, "version 7"));

    /* the generator's size set huge, checksum made valid: bounded, refused */
    assert_int_equal(system(cmd), 0);
    const long rng_size_at = size - 4 - (long)gsl_rng_size(t.r) - 8;
    const uint64_t huge = 0x00F0000000000000ULL;
    patch(path, rng_size_at, &huge, 8, 1);
    assert_int_equal(checkpoint_verify(path, err, sizeof err), -1);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_DAMAGED);

    /* a block count of 2^32 - 1 */
    assert_int_equal(system(cmd), 0);
    const uint32_t many = 0xFFFFFFFFu;
    patch(path, 12, &many, 4, 1);
    assert_int_equal(checkpoint_verify(path, err, sizeof err), -1);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);

    /* bytes appended after a valid checksum: trailing bytes refused */
    assert_int_equal(system(cmd), 0);
    FILE *f = fopen(path, "ab");
    fwrite("12345678", 1, 8, f);
    fclose(f);
    patch(path, 0, "G", 1, 1);          /* (same first byte; recomputes the crc at the new end) */
    assert_int_equal(checkpoint_verify(path, err, sizeof err), -1);
    assert_int_equal(checkpoint_load(&ck, path, t.r, err, sizeof err), -1);

    /* a sound file of another model: verify says sound, load says which block */
    assert_int_equal(system(cmd), 0);
    params *other = params_alloc(5);
    checkpoint ck2 = {0};
    checkpoint_add_params(&ck2, "net", other);
    assert_int_equal(checkpoint_verify(path, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(&ck2, path, t.r, err, sizeof err), -1);
    assert_int_equal(ck2.error, CHECKPOINT_ERR_MODEL);
    assert_int_equal(ck2.file_blocks, 5);
    params_free(other);
    run_free(&t);
}

/* A save that fails or is killed half way leaves the previous checkpoint as
 * it was: the new one is written beside it and renamed over it. */
static void test_checkpoint_save_is_atomic(void **state)
{
    (void)state;
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/big.ckpt", dir);
    /* 2 million doubles (16 MB): a save takes long enough to be interrupted */
    gsl_vector *v = gsl_vector_alloc(2000000);
    checkpoint ck = {0};
    checkpoint_add_vector(&ck, "v", v);
    gsl_vector_set_all(v, 1.0);
    assert_int_equal(checkpoint_save(&ck, path, NULL, err, sizeof err), 0);

    /* a save into a directory that does not exist fails cleanly */
    char nowhere[160];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir.ckpt", dir);
    assert_int_equal(checkpoint_check_writable(nowhere, err, sizeof err), -1);
    assert_int_equal(checkpoint_save(&ck, nowhere, NULL, err, sizeof err), -1);
    assert_int_equal(ck.error, CHECKPOINT_ERR_IO);
    assert_int_equal(checkpoint_check_writable(path, err, sizeof err), 0);

    /* children saving 2.0, 3.0, ... in a loop, killed at different moments */
    for (int trial = 0; trial < 6; trial++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (double k = 2.0;; k += 1.0) {
                gsl_vector_set_all(v, k);
                checkpoint_save(&ck, path, NULL, err, sizeof err);
            }
        }
        /* 3-43 ms: mostly in the middle of a save */
        struct timespec wait = {0, (long)(3000 + 7919 * trial) * 1000L};
        nanosleep(&wait, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        /* whatever the moment: a whole checkpoint, every value the same */
        gsl_vector_set_all(v, -1.0);
        assert_int_equal(checkpoint_load(&ck, path, NULL, err, sizeof err), 0);
        const double first = gsl_vector_get(v, 0);
        assert_true(first >= 1.0);
        assert_true(gsl_vector_max(v) == first && gsl_vector_min(v) == first);
    }
    gsl_vector_free(v);
    /* the killed children's temporary files are the only leftovers */
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -f %s/.big.ckpt.tmp-*", dir);
    assert_int_equal(system(cmd), 0);
}

/* --dataset picks the directory, the class names and the judge's file;
 * --data overrides the directory and nothing else. */
static void test_dataset_select(void **state)
{
    (void)state;
    dataset_info m = dataset_select("mnist", NULL);
    assert_int_equal(m.kind, DATASET_MNIST);
    assert_string_equal(m.name, "mnist");
    assert_string_equal(m.title, "MNIST");
    assert_string_equal(m.dir, "datasets/mnist");
    assert_string_equal(m.class_name[0], "0");
    assert_string_equal(m.class_name[2], "2");
    assert_string_equal(m.class_name[9], "9");
    assert_string_equal(m.class_title[5], "digit 5");
    assert_string_equal(m.judge_default, "build/judge/mnist.judge");
    assert_string_equal(m.judge_make, "judge");

    dataset_info f = dataset_select("fashion", NULL);
    assert_int_equal(f.kind, DATASET_FASHION);
    assert_string_equal(f.name, "fashion");
    assert_string_equal(f.title, "Fashion-MNIST");
    assert_string_equal(f.dir, "/usr/share/datasets/fashion-mnist");
    assert_string_equal(f.class_name[0], "T-shirt");
    assert_string_equal(f.class_name[2], "pullover");
    assert_string_equal(f.class_name[9], "boot");
    assert_string_equal(f.class_title[5], "sandal");
    assert_string_equal(f.judge_default, "build/judge/fashion.judge");
    assert_string_equal(f.judge_make, "build/judge/fashion.judge");

    /* --data DIR: only the directory moves */
    dataset_info md = dataset_select("mnist", "/data/mnist-full");
    assert_string_equal(md.dir, "/data/mnist-full");
    assert_string_equal(md.class_name[2], "2");
    assert_string_equal(md.judge_default, "build/judge/mnist.judge");
    dataset_info fd = dataset_select("fashion", "here");
    assert_string_equal(fd.dir, "here");
    assert_string_equal(fd.class_name[2], "pullover");
    assert_string_equal(fd.judge_default, "build/judge/fashion.judge");
}

/* Run dataset_open_judge(d, given, ...) in a child; its exit status, its
 * stderr in `err` (child's result: 0 judge, 3 no judge, 1 die()). */
static int open_judge_in_child(const dataset_info *d, const char *given, char *err, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/open-judge.err", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen(path, "w", stderr))
            _exit(9);
        judge *j = dataset_open_judge(d, given, "no scores");
        fflush(stderr);
        _exit(j ? 0 : 3);
    }
    int status;
    waitpid(pid, &status, 0);
    FILE *f = fopen(path, "r");
    err[0] = '\0';
    if (f) {
        size_t got = fread(err, 1, n - 1, f);
        err[got] = '\0';
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The judge: --judge's file must exist; the default one may be missing
 * (a note, no judge), and is loaded when it is there. */
static void test_dataset_open_judge(void **state)
{
    (void)state;
    char saved[128], missing[128], err[1024];
    snprintf(saved, sizeof saved, "%s/fresh.judge", dir);
    snprintf(missing, sizeof missing, "%s/none.judge", dir);
    judge *fresh = judge_new();
    judge_save(fresh, saved);
    judge_free(fresh);

    dataset_info d = dataset_select("fashion", NULL);
    d.judge_default = missing;                       /* not trained yet */
    assert_int_equal(open_judge_in_child(&d, NULL, err, sizeof err), 3);
    assert_non_null(strstr(err, "no judge at "));
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, "(make build/judge/fashion.judge): no scores"));

    d.judge_default = saved;                         /* trained: loaded */
    assert_int_equal(open_judge_in_child(&d, NULL, err, sizeof err), 0);
    assert_string_equal(err, "");

    /* --judge wins over the default, and a missing one is an error */
    assert_int_equal(open_judge_in_child(&d, missing, err, sizeof err), 1);
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, "make judge"));
    d.judge_default = missing;
    assert_int_equal(open_judge_in_child(&d, saved, err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_plain_and_gz),
        cmocka_unit_test(test_idx_bad_files),
        cmocka_unit_test(test_shipped_mnist),
        cmocka_unit_test(test_dataset_select),
        cmocka_unit_test(test_dataset_open_judge),
        cmocka_unit_test(test_checkpoint_exact_resume),
        cmocka_unit_test(test_checkpoint_refuses_bad_files),
        cmocka_unit_test(test_checkpoint_damage_kinds),
        cmocka_unit_test(test_checkpoint_save_is_atomic),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
