/* AVX-512 loops (with AVX2, F16C and FMA), compiled per function and run only where the
 * CPU has AVX-512 F (_kernels.c decides at run time); the AVX2 loops stay for others. */
#include "_kernels.h"

#if LEADREVIEW_X86
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIMD512 __attribute__((target("avx2,f16c,fma,avx512f")))

/* The 16 lanes of `v` folded to 8: [v0 + v8, ..., v7 + v15]. */
SIMD512 static inline __m256 halves_added(__m512 v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v),
                         _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

/* The eight sums of eight accumulators, in one register: [sum a0, ..., sum a7]. */
SIMD512 static inline __m256 sums8(const __m256 a[8]) {
    __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20),
                         _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/* Sixteen values of a row from column j, as float32 (one conversion for float16). */
SIMD512 static inline __m512 load16(const int half, const void *row, Py_ssize_t j) {
    return half ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)((const uint16_t *)row + j)))
                : _mm512_loadu_ps((const float *)row + j);
}

/* Few queries, rows of whole 16-value vectors: as the AVX2 loop (each row read whole,
 * in memory order; eight rows' sums compared in one vector), with one conversion and
 * one FMA per 16 values. For 128 dimensions the probe stays in eight registers. */
SIMD512 static inline __attribute__((always_inline)) int score_few_as(Job *job, const int half,
                                                                     const Py_ssize_t dim) {
    Py_ssize_t r = job->first;
    for (; r + 8 <= job->last; r += 8) {
        for (Py_ssize_t q = 0; q < job->m; q++) {
            const float *query = job->queries + q * dim;
            __m256 folded[8];
            for (int i = 0; i < 8; i++) {
                const void *row = half ? (const void *)((const uint16_t *)job->gallery + (r + i) * dim)
                                       : (const void *)((const float *)job->gallery + (r + i) * dim);
                /* Two accumulators: the FMAs of one row do not wait on each other. */
                __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
                Py_ssize_t j = 0;
                for (; j + 32 <= dim; j += 32) {
                    a = _mm512_fmadd_ps(load16(half, row, j), _mm512_loadu_ps(query + j), a);
                    b = _mm512_fmadd_ps(load16(half, row, j + 16), _mm512_loadu_ps(query + j + 16), b);
                }
                if (j < dim) a = _mm512_fmadd_ps(load16(half, row, j), _mm512_loadu_ps(query + j), a);
                folded[i] = halves_added(_mm512_add_ps(a, b));
            }
            __m256 sums = sums8(folded);
            if (job->out != NULL) {
                _mm256_storeu_ps(job->out + q * job->out_stride + r, sums);
                continue;
            }
            unsigned bits = (unsigned)_mm256_movemask_ps(
                _mm256_cmp_ps(sums, _mm256_set1_ps(job->thresholds[q]), _CMP_GE_OQ));
            if (bits == 0) continue;
            float value[8];
            _mm256_storeu_ps(value, sums);
            if (!emit8(job, q, r, value, bits)) return 0;
        }
    }
    if (r < job->last) { /* the last rows, fewer than eight: the AVX2 loop's tail */
        Job rest = *job;
        rest.first = r;
        int status = score_few_avx2(&rest);
        job->found = rest.found;
        job->overflow = rest.overflow;
        return status;
    }
    return 0;
}

SIMD512 int score_few_avx512(Job *job) {
    if (job->dim == 128) return job->half ? score_few_as(job, 1, 128) : score_few_as(job, 0, 128);
    return job->half ? score_few_as(job, 1, job->dim) : score_few_as(job, 0, job->dim);
}

#define ROWS 8
#define QUERIES 32

/* `count` rows from `first` as float32 into `dst` (ROWS x dim; missing rows zeroed). */
SIMD512 static void load_rows(const Job *job, Py_ssize_t first, Py_ssize_t count, float *dst) {
    Py_ssize_t dim = job->dim;
    for (Py_ssize_t i = 0; i < count; i++) {
        float *d = dst + i * dim;
        if (job->half) {
            const uint16_t *s = (const uint16_t *)job->gallery + (first + i) * dim;
            Py_ssize_t j = 0;
            for (; j + 16 <= dim; j += 16)
                _mm512_storeu_ps(d + j, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(s + j))));
            for (; j < dim; j++) d[j] = _cvtsh_ss(s[j]);
        } else {
            memcpy(d, (const float *)job->gallery + (first + i) * dim, (size_t)dim * sizeof(float));
        }
    }
    memset(dst + count * dim, 0, (size_t)((ROWS - count) * dim) * sizeof(float));
}

/* Many queries: arithmetic is the cost. A register tile of 8 rows x 32 queries (16
 * accumulators of the 32 registers): per dimension, two loads of the queries (laid out
 * 32 at a time, dimension by dimension, so a tile reads them in order) and eight
 * broadcasts of the rows' values feed sixteen FMAs of 16 lanes. Measured against the
 * AVX2 tile (6 x 16) on the same CPU: 5% less CPU time on float16 rows, 9% on float32.
 * Rows go through a small float32 buffer (converted or copied), which the broadcasts
 * read from L1; broadcasting straight from float32 gallery rows was slower. */
SIMD512 int score_many_avx512(Job *job) {
    Py_ssize_t dim = job->dim, m = job->m, tiles = (m + QUERIES - 1) / QUERIES;
    Py_ssize_t padded = tiles * QUERIES;
    float *transposed = aligned_alloc(64, aligned_size((size_t)(dim * padded) * sizeof(float)));
    float *rows = aligned_alloc(64, aligned_size((size_t)(ROWS * dim) * sizeof(float)));
    float *limits = aligned_alloc(64, aligned_size((size_t)padded * sizeof(float)));
    if (transposed == NULL || rows == NULL || limits == NULL) {
        free(transposed);
        free(rows);
        free(limits);
        return -1;
    }
    for (Py_ssize_t t = 0; t < tiles; t++)
        for (Py_ssize_t j = 0; j < dim; j++)
            for (Py_ssize_t q = 0; q < QUERIES; q++) {
                Py_ssize_t query = t * QUERIES + q;
                transposed[(t * dim + j) * QUERIES + q] = query < m ? job->queries[query * dim + j] : 0.0f;
            }
    /* Thresholds of the padding queries are +inf: nothing of theirs is kept. */
    for (Py_ssize_t q = 0; q < padded; q++)
        limits[q] = q < m && job->out == NULL ? job->thresholds[q] : INFINITY;
    for (Py_ssize_t r = job->first; r < job->last && !job->overflow; r += ROWS) {
        Py_ssize_t count = job->last - r < ROWS ? job->last - r : ROWS;
        load_rows(job, r, count, rows);
        for (Py_ssize_t t = 0; t < tiles && !job->overflow; t++) {
            __m512 acc[ROWS][2];
            for (int i = 0; i < ROWS; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
            const float *x = transposed + t * dim * QUERIES;
            for (Py_ssize_t j = 0; j < dim; j++, x += QUERIES) {
                __m512 x0 = _mm512_load_ps(x), x1 = _mm512_load_ps(x + 16);
                for (int i = 0; i < ROWS; i++) {
                    __m512 g = _mm512_set1_ps(rows[i * dim + j]);
                    acc[i][0] = _mm512_fmadd_ps(g, x0, acc[i][0]);
                    acc[i][1] = _mm512_fmadd_ps(g, x1, acc[i][1]);
                }
            }
            Py_ssize_t q0 = t * QUERIES;
            if (job->out != NULL) {
                float tile[ROWS][QUERIES];
                for (int i = 0; i < ROWS; i++) {
                    _mm512_storeu_ps(tile[i], acc[i][0]);
                    _mm512_storeu_ps(tile[i] + 16, acc[i][1]);
                }
                Py_ssize_t queries = m - q0 < QUERIES ? m - q0 : QUERIES;
                for (Py_ssize_t q = 0; q < queries; q++) {
                    float *out = job->out + (q0 + q) * job->out_stride + r;
                    for (Py_ssize_t i = 0; i < count; i++) out[i] = tile[i][q];
                }
                continue;
            }
            /* Fused selection: a mask compare per 16 scores; almost none pass once the
             * thresholds have settled, so the block's scores are never stored. The loop
             * over rows is unrolled (a constant bound), so `acc` stays in registers. */
            __m512 limit0 = _mm512_load_ps(limits + q0), limit1 = _mm512_load_ps(limits + q0 + 16);
            for (int i = 0; i < ROWS; i++) {
                uint32_t bits = (uint32_t)_mm512_cmp_ps_mask(acc[i][0], limit0, _CMP_GE_OQ) |
                                (uint32_t)_mm512_cmp_ps_mask(acc[i][1], limit1, _CMP_GE_OQ) << 16;
                if (bits == 0 || i >= count) continue;
                float value[QUERIES];
                _mm512_storeu_ps(value, acc[i][0]);
                _mm512_storeu_ps(value + 16, acc[i][1]);
                while (bits != 0) {
                    int q = __builtin_ctz(bits);
                    bits &= bits - 1;
                    if (!emit(job, q0 + q, r + i, value[q])) break;
                }
                if (job->overflow) break;
            }
        }
    }
    free(transposed);
    free(rows);
    free(limits);
    return 0;
}
#endif
