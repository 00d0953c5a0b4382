/* assign.h -- the best one-to-one matching of rows to columns.
 *
 * Introduced in chapter 11. An unsupervised model sorts digits into groups
 * (the AAE's six petals, InfoGAN's ten categorical codes) but chooses for
 * itself which group holds which class. To score it fairly, count how many
 * digits of class i landed in group j, score[i][j], and take the best sum
 * over one-to-one assignments of classes to groups: "how pure are the groups
 * in the best order". Divided by the number of digits it is a cluster purity
 * that does not care how the groups are numbered.
 *
 * How: dynamic programming over the subsets of columns. Take the rows in
 * order; best[S] is the best sum when rows 0 .. |S| - 1 took the columns in
 * the set S (a bit mask). Row |S| then tries every column not in S:
 *
 *     best[S + {j}] = max over S, j of  best[S] + score[|S|][j]
 *
 * (With more rows than columns, the roles swap.) That is O(n 2^n) for n
 * columns, against n! for trying every order: for 10 x 10 about 10 000
 * steps instead of 3.6 million, and for 16 x 16, the largest allowed, a
 * million steps and half a megabyte, still instant. The Hungarian algorithm
 * would take O(n^3), but with far more code than groups this few need.
 */
#ifndef GENLAB_ASSIGN_H
#define GENLAB_ASSIGN_H

#include <stddef.h>

#define ASSIGN_MAX 16              /* rows and columns at most              */

/* The largest sum of score[i * n_cols + j] over min(n_rows, n_cols) pairs
 * (i, j), no row and no column used twice: every row gets its own column
 * (with more columns than rows), or every column its own row (with more
 * rows than columns). score (n_rows, n_cols) row after row, finite; 0 if a
 * side is empty; die() if a side is longer than ASSIGN_MAX. Integer scores
 * (counts) give an exact result. */
double best_assignment(const double *score, size_t n_rows, size_t n_cols);

/* The same, and the assignment itself: with n_rows <= n_cols, match[i] is
 * the column row i takes (match has n_rows entries). */
double best_assignment_match(const double *score, size_t n_rows, size_t n_cols, int *match);

#endif
