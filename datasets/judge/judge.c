/* ============================================================================
 * judge.c -- train the digit judge that scores the MNIST chapters' samples.
 *
 * Chapters 08 and 11 ask "does this generated image look like a 2?" for a
 * thousand samples at a time. A person cannot answer that reproducibly; a
 * classifier trained on real digits can. This program trains it once
 * (`make judge`), measures it on the held-out split, and saves it where the
 * chapters look for it (build/judge/mnist.judge).
 *
 * The model is a plain MLP, 784 -> 256 -> 256 -> 10 with ReLU, trained with
 * softmax cross-entropy and Adam on MNIST's 60 000 training digits. Why an
 * MLP and not a small CNN on common/conv? It reaches the accuracy a judge
 * needs (at least 0.985 on the official 10 000 test digits) in under a
 * minute on two cores, and `make check` trains it on every fresh machine; a
 * CNN would gain a few tenths of a percent for several times the time.
 * Three details make it a fair and strong judge:
 *   - data augmentation: each training digit is shifted by up to --shift
 *     pixels in each direction, so the judge does not insist on perfectly
 *     centred strokes (generators are not perfect);
 *   - the learning rate falls linearly to 0 over the run: with a constant
 *     rate the test accuracy still jumps by +-0.3 % from epoch to epoch, and
 *     where it stands at the last epoch is luck; the decay lets it settle;
 *   - it is scored on the TEST split, which no generator ever trains on.
 * Its last hidden layer (256 ReLU units) is also the feature space of the
 * Frechet judge distance (frechet.h): fjd_train_test below is that distance
 * between the training and the test digits, the smallest a generator of all
 * ten classes can expect.
 * ========================================================================== */
#include "genlab.h"

/* Copy a 28x28 image shifted by (dx, dy) pixels, filling with background. */
static void shift_image(const double *src, double *dst, int dx, int dy)
{
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            int sx = x - dx, sy = y - dy;
            dst[y * 28 + x] = (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) ? src[sy * 28 + sx] : 0.0;
        }
}

/* The share of the first n digits of s that the judge classifies right. */
static double accuracy(judge *j, const image_set *s, size_t n, unsigned char *pred)
{
    gsl_matrix_const_view X = gsl_matrix_const_submatrix(s->images, 0, 0, n, s->images->size2);
    judge_classify(j, &X.matrix, pred, NULL);
    size_t right = 0;
    for (size_t i = 0; i < n; i++)
        right += pred[i] == s->labels[i];
    return (double)right / (double)n;
}

#ifndef GENLAB_TESTING
int main(int argc, char **argv)
{
    long epochs = 12, batch = 100, shift = 2;
    double lr = 1e-3;
    const char *dataset = "mnist", *data_dir = NULL, *save = NULL;
    cli_option options[] = {
        {"dataset", CLI_CHOICE, &dataset, "which digits", 0, 0, "mnist|fashion", 0},
        {"data", CLI_STRING, &data_dir, "directory with the IDX files (default: by --dataset)", 0, 0, NULL, 0},
        {"epochs", CLI_INT, &epochs, "passes over the training split", 1, 1000, NULL, 0},
        {"batch", CLI_INT, &batch, "minibatch size", 1, JUDGE_MAX_BATCH, NULL, 0},
        {"lr", CLI_REAL, &lr, "Adam learning rate", 1e-9, 1, NULL, 0},
        {"shift", CLI_INT, &shift, "largest random shift (pixels) in augmentation", 0, 6, NULL, 0},
        {"save", CLI_STRING, &save, "where to save the judge (default: build/judge/DATASET.judge)", 0, 0, NULL, 0},
    };
    cli args;
    cli_init(&args, "judge", "Train the digit judge that scores generated images.", 42,
             options, sizeof options / sizeof options[0]);
    cli_parse_or_exit(&args, argc, argv);
    if (args.quick && !cli_given(&args, "epochs"))
        epochs = 1;
    /* the directory and the judge's file: where the chapters look (dataset.h) */
    const dataset_info data = dataset_select(dataset, data_dir);
    if (!save)
        save = data.judge_default;
    out_prepare(args.out);
    checkpoint_require_writable(save);
    gsl_rng *r = rng_new((unsigned long)args.seed);

    image_set *train = mnist_load(data.dir, "train");
    image_set *test = mnist_load(data.dir, "t10k");
    printf("judge: %s, %zu training and %zu test images\n", data.name, train->n, test->n);

    judge *j = judge_new();
    mlp_init_xavier(j->net, r);
    optimizer *opt = optim_adam(j->P, lr, 0.9, 0.999);
    size_t B = (size_t)batch;
    gsl_matrix *X = gsl_matrix_alloc(B, 784), *T = gsl_matrix_alloc(B, 10), *dZ = gsl_matrix_alloc(B, 10);
    size_t *order = malloc(train->n * sizeof *order);
    unsigned char *pred = malloc((train->n > test->n ? train->n : test->n));
    for (size_t i = 0; i < train->n; i++)
        order[i] = i;
    long steps_per_epoch = (long)(train->n / B), step = 0;
    gsl_matrix *log = gsl_matrix_alloc((size_t)epochs, 4);
    progress prog;
    progress_start(&prog, epochs * steps_per_epoch, args.quiet);

    for (long e = 0; e < epochs; e++) {
        rng_shuffle(r, order, train->n);
        double loss_sum = 0.0;
        for (long s = 0; s < steps_per_epoch; s++, step++) {
            /* the learning rate falls linearly to 0 over the whole run */
            opt->lr = lr * (1.0 - (double)step / (double)(epochs * steps_per_epoch));
            gsl_matrix_set_zero(T);
            for (size_t i = 0; i < B; i++) {
                size_t k = order[(size_t)s * B + i];
                int dx = (int)gsl_rng_uniform_int(r, (unsigned long)(2 * shift + 1)) - (int)shift;
                int dy = (int)gsl_rng_uniform_int(r, (unsigned long)(2 * shift + 1)) - (int)shift;
                shift_image(gsl_matrix_const_ptr(train->images, k, 0), gsl_matrix_ptr(X, i, 0), dx, dy);
                gsl_matrix_set(T, i, train->labels[k], 1.0);       /* one-hot target */
            }
            params_zero_grad(j->P);
            const gsl_matrix *logits = mlp_forward(j->net, X);
            double loss = loss_softmax_xent(logits, T, dZ);
            check_finite(loss, "judge loss", step);
            mlp_backward(j->net, dZ, NULL);
            optim_step(opt);
            loss_sum += loss;
            progress_report(&prog, step, "loss %.4f", loss);
        }
        /* (the training accuracy of the log: on the first 10 000 training
         * digits, which is as informative as all 60 000 for a third of the time) */
        const size_t n_log = train->n < 10000 ? train->n : 10000;
        double train_acc = accuracy(j, train, n_log, pred), test_acc = accuracy(j, test, test->n, pred);
        gsl_matrix_set(log, (size_t)e, 0, (double)(e + 1));
        gsl_matrix_set(log, (size_t)e, 1, loss_sum / (double)steps_per_epoch);
        gsl_matrix_set(log, (size_t)e, 2, train_acc);
        gsl_matrix_set(log, (size_t)e, 3, test_acc);
        printf("epoch %2ld  loss %.4f  train accuracy (first %zu) %.4f  test accuracy %.4f\n",
               e + 1, loss_sum / (double)steps_per_epoch, n_log, train_acc, test_acc);
    }
    progress_end(&prog);

    /* per-class accuracy on the test split */
    metrics m = {0};
    metrics_set(&m, "train_accuracy", accuracy(j, train, train->n, pred));
    double test_acc = accuracy(j, test, test->n, pred);
    metrics_set(&m, "test_accuracy", test_acc);
    gsl_matrix *per_class = gsl_matrix_calloc(10, 3);
    for (size_t i = 0; i < test->n; i++) {
        *gsl_matrix_ptr(per_class, test->labels[i], 1) += 1.0;
        *gsl_matrix_ptr(per_class, test->labels[i], 2) += pred[i] == test->labels[i];
    }
    double worst = 1.0;
    for (size_t k = 0; k < 10; k++) {
        gsl_matrix_set(per_class, k, 0, (double)k);
        gsl_matrix_set(per_class, k, 2, gsl_matrix_get(per_class, k, 2) / gsl_matrix_get(per_class, k, 1));
        worst = fmin(worst, gsl_matrix_get(per_class, k, 2));
    }
    metrics_set(&m, "worst_class_accuracy", worst);
    /* the Frechet judge distance between the two real splits */
    gauss_fit *fit_test = judge_feature_fit(j, test->images);
    metrics_set(&m, "fjd_train_test", judge_fjd(j, fit_test, train->images));
    gauss_fit_free(fit_test);
    out_write_matrix(args.out, "accuracy.dat", "epoch  mean_loss  train_accuracy  test_accuracy", log);
    out_write_matrix(args.out, "per_class.dat", "class  test_count  test_accuracy", per_class);
    fig_use("accuracy");                      /* datasets/judge/figures/accuracy.gp */
    fig_value("required_accuracy", 0.985);
    fig_value("judge_epochs", (double)epochs);

    /* the judge file goes to --save: make sure its directory exists */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", save);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        out_prepare(dir);
    }
    judge_save(j, save);
    metrics_print(&m, stdout);
    metrics_write(&m, args.out);
    fig_write(args.out);
    note("saved to %s", save);

    gsl_matrix_free(X); gsl_matrix_free(T); gsl_matrix_free(dZ); gsl_matrix_free(log);
    gsl_matrix_free(per_class);
    free(order); free(pred);
    optim_free(opt);
    judge_free(j);
    image_set_free(train); image_set_free(test);
    gsl_rng_free(r);
    return 0;
}
#endif
