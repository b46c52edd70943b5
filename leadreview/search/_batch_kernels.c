/* The two steps of a batch search around the product (leadreview/search/topk_whole.py,
 * leadreview/search/matching.py), for galleries whose whole score matrix fits the
 * search's memory budget:
 *
 * - top_rows: each row's k best scores of a stored score matrix, best first (equal
 *   scores by column), in one pass over the row against its running k-th best. numpy's
 *   argpartition reorders the whole row and runs on one thread; this reads each score
 *   once and compares it with the row's current k-th best, and Python threads split the
 *   rows between cores (the GIL is released).
 * - rescore: the float64 cosines of (probe, candidate) pairs, with numpy's arithmetic
 *   for `(rows.astype(float64) * query.astype(float64)).sum(axis=-1)`: each product is
 *   exact in float64 (float32 or float16 times float32), and the sum is numpy's pairwise
 *   summation over a contiguous row (eight partial sums over blocks of at most 128
 *   values, combined in a fixed tree), so every result is bit for bit numpy's. It saves
 *   the (probes, k, d) float64 temporaries numpy gathers and multiplies.
 *
 * Kept apart from _kernels.c (the gallery-scoring kernel) so that each file holds one
 * idea; like it, it reads numpy arrays through the buffer protocol and needs no numpy
 * headers. Optional: without a C compiler the numpy path runs, with the same results.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    float score;
    int64_t index;
} Entry;

/* a ranks after b: lower score, or the same score and a later column. */
static inline int worse(const Entry *a, const Entry *b) {
    return a->score < b->score || (a->score == b->score && a->index > b->index);
}

static inline void swap(Entry *a, Entry *b) {
    Entry t = *a;
    *a = *b;
    *b = t;
}

/* Reorder entries[0..size) so that its first k are its k best (in no order). */
static void keep_best(Entry *entries, Py_ssize_t size, Py_ssize_t k) {
    Py_ssize_t low = 0, high = size - 1;
    while (low < high) {
        /* Median of three as the pivot, moved to `high`. */
        Py_ssize_t middle = low + (high - low) / 2;
        if (worse(&entries[low], &entries[middle])) swap(&entries[low], &entries[middle]);
        if (worse(&entries[low], &entries[high])) swap(&entries[low], &entries[high]);
        if (worse(&entries[high], &entries[middle])) swap(&entries[high], &entries[middle]);
        Entry pivot = entries[high];
        Py_ssize_t store = low;
        for (Py_ssize_t i = low; i < high; i++)
            if (worse(&pivot, &entries[i])) swap(&entries[i], &entries[store++]);
        swap(&entries[store], &entries[high]);
        /* entries[low..store) rank before the pivot, entries(store..high] after it. */
        if (store == k - 1 || store == k) return;
        if (store < k) low = store + 1;
        else high = store - 1;
    }
}

static int best_first(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    if (worse(x, y)) return 1;
    if (worse(y, x)) return -1;
    return 0;
}

#define GROUP 16

/* Whether any of GROUP scores is above `bar` (or-ed into *above) or NaN (into *nan). */
static inline void group_flags(const float *group, float bar, int *above, int *nan) {
#if defined(__SSE2__)
    /* SSE2 is part of x86-64: four compares of four scores, no branch per score. */
    __m128 limit = _mm_set1_ps(bar), over = _mm_setzero_ps(), unordered = _mm_setzero_ps();
    for (int c = 0; c < GROUP; c += 4) {
        __m128 values = _mm_loadu_ps(group + c);
        over = _mm_or_ps(over, _mm_cmpgt_ps(values, limit));
        unordered = _mm_or_ps(unordered, _mm_cmpunord_ps(values, values));
    }
    *above |= _mm_movemask_ps(over) != 0;
    *nan |= _mm_movemask_ps(unordered) != 0;
#else
    for (int c = 0; c < GROUP; c++) {
        *above |= group[c] > bar;
        *nan |= group[c] != group[c];
    }
#endif
}

/* A row's k best into indices/scores, best first. Scores above the running bar (the
 * k-th best kept so far) are appended to `kept` (room for `capacity`, at least 2k plus
 * a group); when fewer than a group's room is left, its k best are kept and the bar
 * rises to the k-th of them. 0, or -1 on a NaN score (the caller then takes numpy's
 * path, which orders NaN its own way). */
static int top_row(const float *scores, Py_ssize_t width, Py_ssize_t k, Entry *kept,
                   Py_ssize_t capacity, int64_t *indices, float *best) {
    Py_ssize_t size = 0;
    float bar = -INFINITY;
    int full = 0; /* whether the bar is the k-th best kept: until then every score is */
    for (Py_ssize_t column = 0; column < width;) {
        Py_ssize_t stop = column + GROUP <= width ? column + GROUP : width;
        int above = !full, nan = 0;
        if (stop - column == GROUP) {
            group_flags(scores + column, bar, &above, &nan);
        } else {
            for (Py_ssize_t c = column; c < stop; c++) {
                above |= scores[c] > bar;
                nan |= scores[c] != scores[c];
            }
        }
        if (nan) return -1;
        if (above) {
            /* Written unconditionally and counted only above the bar: no branch to
             * mispredict. Columns come in increasing order, so a score equal to the bar
             * ranks after the kept entry that set it and cannot be among the k best. */
            for (Py_ssize_t c = column; c < stop; c++) {
                kept[size].score = scores[c];
                kept[size].index = c;
                size += !full || scores[c] > bar;
            }
            if (size > capacity - GROUP) {
                keep_best(kept, size, k);
                size = k;
                full = 1;
                bar = kept[0].score;
                for (Py_ssize_t i = 1; i < k; i++)
                    if (kept[i].score < bar) bar = kept[i].score;
            }
        }
        column = stop;
    }
    if (size > k) keep_best(kept, size, k);
    if (size > k) size = k;
    qsort(kept, (size_t)size, sizeof(Entry), best_first);
    for (Py_ssize_t i = 0; i < size; i++) {
        indices[i] = kept[i].index;
        best[i] = kept[i].score;
    }
    return 0;
}

/* numpy's pairwise sum of n float64 values (numpy/_core/src/umath/loops_utils.h): the
 * order of additions it uses for a reduction over a contiguous axis. */
static double pairwise_sum(const double *a, Py_ssize_t n) {
    if (n < 8) {
        double sum = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) sum += a[i];
        return sum;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = a[j];
        Py_ssize_t i = 8;
        for (; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) sum += a[i];
        return sum;
    }
    Py_ssize_t half = n / 2;
    half -= half % 8;
    return pairwise_sum(a, half) + pairwise_sum(a + half, n - half);
}

/* IEEE half to float, exactly (every half is a float). */
static float half_to_float(uint16_t bits) {
    uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;
    uint32_t exponent = (bits >> 10) & 0x1fu, mantissa = bits & 0x3ffu, out;
    if (exponent == 0x1f) {
        out = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent != 0) {
        out = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    } else if (mantissa == 0) {
        out = sign;
    } else { /* subnormal: normalise */
        int shift = 0;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            shift++;
        }
        out = sign | ((uint32_t)(113 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float value;
    memcpy(&value, &out, sizeof value);
    return value;
}

/* -- argument handling -------------------------------------------------------------- */

static int check(const Py_buffer *view, const char *name, int ndim, const char *formats) {
    const char *format = view->format ? view->format : "B";
    if (format[0] == '<' || format[0] == '=' || format[0] == '@') format++;
    if (view->ndim != ndim || strlen(format) != 1 || strchr(formats, format[0]) == NULL) {
        PyErr_Format(PyExc_TypeError, "%s: expected a %d-d C-contiguous array of '%s', got '%s'",
                     name, ndim, formats, format);
        return -1;
    }
    return 0;
}

static int acquire(Py_buffer *views, PyObject **objects, int count, int writable_from) {
    for (int i = 0; i < count; i++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (i >= writable_from ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objects[i], &views[i], flags) < 0) {
            while (i-- > 0) PyBuffer_Release(&views[i]);
            return -1;
        }
    }
    return 0;
}

static void release(Py_buffer *views, int count) {
    for (int i = 0; i < count; i++) PyBuffer_Release(&views[i]);
}

static int check_span(Py_ssize_t first, Py_ssize_t last, Py_ssize_t rows) {
    if (first < 0 || last < first || last > rows) {
        PyErr_SetString(PyExc_ValueError, "row range outside the array");
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(top_rows_doc,
             "top_rows(scores, indices, best, first, last) -> int\n\n"
             "For rows first..last-1 of `scores` ((m, n) float32), the k best scores and\n"
             "their columns into `best` ((m, k) float32) and `indices` ((m, k) int64), k\n"
             "= the outputs' width (at most n), best first, equal scores by column. Returns\n"
             "0, or -1 if a row holds a NaN (the outputs are then incomplete). The GIL is\n"
             "released.");

static PyObject *top_rows(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[3];
    Py_ssize_t first, last;
    if (!PyArg_ParseTuple(args, "OOOnn", &objects[0], &objects[1], &objects[2], &first, &last))
        return NULL;
    Py_buffer views[3];
    if (acquire(views, objects, 3, 1) < 0) return NULL;
    PyObject *result = NULL;
    Py_buffer *scores = &views[0], *indices = &views[1], *best = &views[2];
    if (check(scores, "scores", 2, "f") < 0 || check(indices, "indices", 2, "ql") < 0 ||
        check(best, "best", 2, "f") < 0)
        goto done;
    Py_ssize_t m = scores->shape[0], n = scores->shape[1], k = indices->shape[1];
    if (indices->shape[0] != m || best->shape[0] != m || best->shape[1] != k || k > n ||
        indices->itemsize != 8) {
        PyErr_SetString(PyExc_ValueError, "outputs must be (m, k) with k <= n");
        goto done;
    }
    if (check_span(first, last, m) < 0) goto done;
    int status = 0;
    if (k > 0) {
        Py_ssize_t capacity = (4 * k < 256 ? 256 : 4 * k) + GROUP;
        Entry *kept = malloc((size_t)capacity * sizeof(Entry));
        if (kept == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        const float *rows = scores->buf;
        int64_t *out_indices = indices->buf;
        float *out_best = best->buf;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t q = first; q < last && status == 0; q++)
            status = top_row(rows + q * n, n, k, kept, capacity, out_indices + q * k,
                             out_best + q * k);
        Py_END_ALLOW_THREADS
        free(kept);
    }
    result = PyLong_FromLong(status);
done:
    release(views, 3);
    return result;
}

PyDoc_STRVAR(rescore_doc,
             "rescore(gallery, queries, candidates, out, first, last) -> None\n\n"
             "out[q, j] = sum over the last axis of float64(gallery[candidates[q, j]]) *\n"
             "float64(queries[q]), with numpy's pairwise summation, for probes first..last-1.\n"
             "gallery: (n, d) float32 or float16; queries: (m, d) float32; candidates: (m, k)\n"
             "int64 rows of the gallery; out: (m, k) float64. The GIL is released.");

static PyObject *rescore(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *objects[4];
    Py_ssize_t first, last;
    if (!PyArg_ParseTuple(args, "OOOOnn", &objects[0], &objects[1], &objects[2], &objects[3],
                          &first, &last))
        return NULL;
    Py_buffer views[4];
    if (acquire(views, objects, 4, 3) < 0) return NULL;
    PyObject *result = NULL;
    Py_buffer *gallery = &views[0], *queries = &views[1], *candidates = &views[2],
              *out = &views[3];
    if (check(gallery, "gallery", 2, "fe") < 0 || check(queries, "queries", 2, "f") < 0 ||
        check(candidates, "candidates", 2, "ql") < 0 || check(out, "out", 2, "d") < 0)
        goto done;
    Py_ssize_t n = gallery->shape[0], d = gallery->shape[1];
    Py_ssize_t m = candidates->shape[0], k = candidates->shape[1];
    if (queries->shape[0] != m || queries->shape[1] != d || out->shape[0] != m ||
        out->shape[1] != k || candidates->itemsize != 8) {
        PyErr_SetString(PyExc_ValueError, "shapes do not agree");
        goto done;
    }
    if (check_span(first, last, m) < 0) goto done;
    const int64_t *rows = candidates->buf;
    for (Py_ssize_t i = first * k; i < last * k; i++)
        if (rows[i] < 0 || rows[i] >= n) {
            PyErr_Format(PyExc_IndexError, "candidate %lld outside the gallery", (long long)rows[i]);
            goto done;
        }
    double *products = malloc((size_t)(d > 0 ? d : 1) * sizeof(double));
    if (products == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    int half = (gallery->format[strlen(gallery->format) - 1] == 'e');
    const float *query_rows = queries->buf;
    double *exact = out->buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t q = first; q < last; q++) {
        const float *query = query_rows + q * d;
        for (Py_ssize_t j = 0; j < k; j++) {
            Py_ssize_t row = (Py_ssize_t)rows[q * k + j];
            if (half) {
                const uint16_t *face = (const uint16_t *)gallery->buf + row * d;
                for (Py_ssize_t c = 0; c < d; c++)
                    products[c] = (double)half_to_float(face[c]) * (double)query[c];
            } else {
                const float *face = (const float *)gallery->buf + row * d;
                for (Py_ssize_t c = 0; c < d; c++) products[c] = (double)face[c] * (double)query[c];
            }
            /* numpy adds the sum to the identity, +0.0: a sum of -0.0 comes out +0.0. */
            exact[q * k + j] = 0.0 + pairwise_sum(products, d);
        }
    }
    Py_END_ALLOW_THREADS
    free(products);
    result = Py_NewRef(Py_None);
done:
    release(views, 4);
    return result;
}

static PyMethodDef methods[] = {
    {"top_rows", top_rows, METH_VARARGS, top_rows_doc},
    {"rescore", rescore, METH_VARARGS, rescore_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_batch_kernels",
    "Compiled row selection and exact rescoring for batch searches.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__batch_kernels(void) { return PyModule_Create(&module); }
