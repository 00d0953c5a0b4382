/* workspace.h -- a model's work matrices, without the bookkeeping.
 *
 * Introduced in chapter 02. A network needs, for every layer, room for its
 * activations and their gradients: matrices of (rows, width) with one sample
 * per row. They are allocated ONCE, for the largest batch the model will see,
 * so that a training loop allocates nothing; a pass over n rows then works on
 * the first n rows of each. Written out, that is two lines per buffer in the
 * constructor, one in the destructor and one view per buffer in every pass.
 * A workspace does it in one place:
 *
 *     workspace *ws = ws_new(max_rows);
 *     ws_add(ws, &m->h1, hidden);     // m->h1 now points at (max_rows, hidden)
 *     ws_add(ws, &m->dh1, hidden);
 *     ...
 *     ws_rows(ws, n);                 // every registered m->... is (n, width)
 *     ... dense_forward(&m->enc1, X, m->h1) ...
 *     ws_free(ws);                    // frees them all
 *
 * The pointers stay valid for the life of the workspace: ws_rows changes the
 * number of rows they show, never where they point, and allocates nothing.
 */
#ifndef GENLAB_WORKSPACE_H
#define GENLAB_WORKSPACE_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

typedef struct workspace workspace;

/* An empty workspace whose matrices will have max_rows rows (>= 1). */
workspace *ws_new(size_t max_rows);

/* Allocate a (max_rows, cols) matrix, zeroed, and point *slot at it. The
 * matrix shows all max_rows rows until the next ws_rows. */
void ws_add(workspace *ws, gsl_matrix **slot, size_t cols);

/* Every registered matrix now shows its first n rows (1 <= n <= max_rows);
 * die() on a larger n, which is a bug in the caller. */
void ws_rows(workspace *ws, size_t n);

/* The rows every matrix can hold, and the rows they show now. */
size_t ws_max_rows(const workspace *ws);
size_t ws_current_rows(const workspace *ws);

/* Free every registered matrix and the workspace (NULL is fine). The slots
 * are left dangling: free the workspace with the model that owns them. */
void ws_free(workspace *ws);

#endif
