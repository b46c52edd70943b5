/* What the block-scoring loops share (_kernels.c, _kernels_portable.c, _kernels_avx2.c,
 * _kernels_avx512.c): the job one call scores, and how a score leaves it. */
#ifndef LEADREVIEW_KERNELS_H
#define LEADREVIEW_KERNELS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LEADREVIEW_X86 1
#else
#define LEADREVIEW_X86 0
#endif

typedef struct {
    const void *gallery;  /* rows x dim, float16 (uint16_t bits) or float32 */
    int half;             /* whether the gallery is float16 */
    const float *queries; /* m x dim */
    float *out;           /* m x out_stride, or NULL: keep only the scores that pass */
    Py_ssize_t dim, m, out_stride, first, last;
    /* Without `out`: score >= thresholds[q] is kept as (row, query, score), up to
     * `capacity`; past it `overflow` is set and scoring stops (the caller falls back). */
    const float *thresholds;
    int64_t *found_rows, *found_queries;
    float *found_scores;
    Py_ssize_t capacity, found;
    int overflow;
} Job;

/* One score: stored, or kept if it reaches its query's threshold. 0: stop (overflow). */
static inline int emit(Job *job, Py_ssize_t q, Py_ssize_t r, float value) {
    if (job->out != NULL) {
        job->out[q * job->out_stride + r] = value;
        return 1;
    }
    if (!(value >= job->thresholds[q])) return 1;
    if (job->found == job->capacity) {
        job->overflow = 1;
        return 0;
    }
    job->found_rows[job->found] = r;
    job->found_queries[job->found] = q;
    job->found_scores[job->found] = value;
    job->found++;
    return 1;
}

/* Eight scores of rows r..r+7 for query q (`values`), stored or compared with the
 * threshold; `passing` has bit i set where values[i] reaches it. 0: stop (overflow). */
static inline int emit8(Job *job, Py_ssize_t q, Py_ssize_t r, const float values[8],
                        unsigned passing) {
    while (passing != 0) {
        int i = __builtin_ctz(passing);
        passing &= passing - 1;
        if (!emit(job, q, r + i, values[i])) return 0;
    }
    return 1;
}

/* The loops. Each returns 0, or -1 when memory for a buffer is missing. */
void score_portable(Job *job, float *row_buffer);
int score_rows_portable(Job *job);
#if LEADREVIEW_X86
int score_few_avx2(Job *job);
int score_many_avx2(Job *job);
int score_few_avx512(Job *job);
int score_many_avx512(Job *job);
#endif

/* aligned_alloc wants a multiple of the alignment. */
static inline size_t aligned_size(size_t bytes) { return (bytes + 63) / 64 * 64; }

#endif
