/* workspace.c -- see workspace.h. */
#include "workspace.h"

#include <stdlib.h>

#include "guard.h"
#include "matrix.h"

/* One registered buffer: the full allocation, and the matrix header the
 * model's pointer refers to, a view of its first `rows` rows. The header is
 * allocated on its own so that its address never moves. */
typedef struct ws_slot {
    gsl_matrix *full;      /* (max_rows, cols), owned                       */
    gsl_matrix shown;      /* the same data, size1 = the current rows       */
} ws_slot;

struct workspace {
    size_t max_rows, rows;
    size_t n, cap;
    ws_slot **slot;
};

workspace *ws_new(size_t max_rows)
{
    if (max_rows == 0)
        die("workspace: a workspace needs at least one row");
    workspace *ws = xcalloc(1, sizeof *ws, "a workspace");
    ws->max_rows = ws->rows = max_rows;
    return ws;
}

void ws_add(workspace *ws, gsl_matrix **where, size_t cols)
{
    if (ws->n == ws->cap) {
        ws->cap = ws->cap ? 2 * ws->cap : 16;
        ws_slot **grown = realloc(ws->slot, ws->cap * sizeof *grown);
        if (!grown)
            die("out of memory: %zu bytes for a workspace", ws->cap * sizeof *grown);
        ws->slot = grown;
    }
    ws_slot *s = xcalloc(1, sizeof *s, "a workspace buffer");
    s->full = mat_calloc_large(ws->max_rows, cols);      /* GSL's handler dies if it cannot */
    s->shown = *s->full;
    s->shown.size1 = ws->rows;
    s->shown.owner = 0;                                  /* the data belong to `full` */
    ws->slot[ws->n++] = s;
    *where = &s->shown;
}

void ws_rows(workspace *ws, size_t n)
{
    if (n == 0 || n > ws->max_rows)
        die("workspace: %zu rows asked of buffers that hold 1 to %zu", n, ws->max_rows);
    ws->rows = n;
    for (size_t i = 0; i < ws->n; i++)
        ws->slot[i]->shown.size1 = n;
}

size_t ws_max_rows(const workspace *ws)
{
    return ws->max_rows;
}

size_t ws_current_rows(const workspace *ws)
{
    return ws->rows;
}

void ws_free(workspace *ws)
{
    if (!ws)
        return;
    for (size_t i = 0; i < ws->n; i++) {
        gsl_matrix_free(ws->slot[i]->full);
        free(ws->slot[i]);
    }
    free(ws->slot);
    free(ws);
}
