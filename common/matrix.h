/* matrix.h -- small helpers on gsl_matrix that every network needs.
 *
 * Introduced in chapter 01. The convention of the whole course: a batch is a
 * gsl_matrix with ONE SAMPLE PER ROW, shape (batch, features). A dense layer
 * then reads Y = X W + b with W of shape (in, out), exactly as in the source
 * texts' NumPy code.
 *
 * Networks allocate their work matrices once, for the largest batch they will
 * see, and then work on the first n rows through a view. That is how a
 * training loop avoids allocating anything.
 */
#ifndef GENLAB_MATRIX_H
#define GENLAB_MATRIX_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* gsl_matrix_alloc for a matrix of many megabytes (MNIST's 60 000 training
 * images as doubles are 376 MB): the same matrix, and Linux is asked to back
 * it with 2 MB pages (transparent huge pages, madvise). Each 4 KB page costs a
 * page fault when it is first written, and on a virtual machine a fault is
 * slow: a --quick MNIST run spent a quarter of its time in them. Elsewhere,
 * or when the kernel declines, it is plain gsl_matrix_alloc. */
gsl_matrix *mat_alloc_large(size_t n1, size_t n2);

/* The advice alone, for the whole 2 MB pages inside [p, p + bytes): call it
 * before the memory is first written. */
void mem_advise_huge(void *p, size_t bytes);

/* The same for gsl_matrix_calloc, and a vector of zeros for gsl_vector_calloc.
 * They come from calloc(), which leaves memory fresh from the kernel alone (it
 * is zero already): a buffer sized for the largest batch costs page faults
 * only where it is used. gsl_matrix_free and gsl_vector_free free them. */
gsl_matrix *mat_calloc_large(size_t n1, size_t n2);
gsl_vector *vec_calloc_large(size_t n);

/* A view of the first n rows of M (n <= M->size1). */
gsl_matrix_view mat_rows(gsl_matrix *M, size_t n);

/* A view of the n rows of M from row first on (first + n <= M->size1). */
gsl_matrix_view mat_row_block(gsl_matrix *M, size_t first, size_t n);

/* Y[i, :] += b for every row i: the "+ b" of Y = X W + b.   Y (n, k), b (k) */
void mat_add_row_vector(gsl_matrix *Y, const gsl_vector *b);

/* s += column sums of D, i.e. s[j] += sum_i D[i, j], row by row.   D (n, k),
 * s (k). On a team (team.h) each thread sums half the columns: the same bits. */
void mat_add_col_sums(gsl_vector *s, const gsl_matrix *D);

/* Mean of all entries of M. */
double mat_mean(const gsl_matrix *M);

/* Mean squared difference between A and B over all entries. */
double mat_mse(const gsl_matrix *A, const gsl_matrix *B);

/* Copy the rows listed in idx[0..n-1] of src into the first n rows of dst
 * (as wide as src). On a team each thread copies half the rows. */
void mat_gather_rows(gsl_matrix *dst, const gsl_matrix *src, const size_t *idx, size_t n);

/* 1 if every entry is finite (no NaN, no Inf), else 0. */
int mat_all_finite(const gsl_matrix *M);

#endif
