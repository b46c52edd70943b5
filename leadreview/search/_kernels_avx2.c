/* AVX2 + F16C + FMA loops, compiled per function (target attributes) and run only where
 * the CPU has those instructions (_kernels.c decides at run time). */
#include "_kernels.h"

#if LEADREVIEW_X86
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIMD __attribute__((target("avx2,f16c,fma")))

/* Rows converted to float32, `count` rows of `dim` (the rest of the tile zeroed). */
SIMD static void load_rows(const Job *job, Py_ssize_t first, Py_ssize_t count, Py_ssize_t tile,
                           float *dst) {
    Py_ssize_t dim = job->dim;
    for (Py_ssize_t i = 0; i < count; i++) {
        float *d = dst + i * dim;
        if (job->half) {
            const uint16_t *s = (const uint16_t *)job->gallery + (first + i) * dim;
            Py_ssize_t j = 0;
            for (; j + 8 <= dim; j += 8)
                _mm256_storeu_ps(d + j, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + j))));
            for (; j < dim; j++) d[j] = _cvtsh_ss(s[j]);
        } else {
            memcpy(d, (const float *)job->gallery + (first + i) * dim, (size_t)dim * sizeof(float));
        }
    }
    memset(dst + count * dim, 0, (size_t)((tile - count) * dim) * sizeof(float));
}

/* The eight sums of eight accumulators, in one register: [sum a0, ..., sum a7]. */
SIMD static inline __m256 sums8(const __m256 a[8]) {
    __m256 s0123 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    __m256 s4567 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
    /* Each holds four partial sums per 128-bit half: add the halves. */
    return _mm256_add_ps(_mm256_permute2f128_ps(s0123, s4567, 0x20),
                         _mm256_permute2f128_ps(s0123, s4567, 0x31));
}

/* Eight values of a row from column j, as float32 (F16C converts float16). */
SIMD static inline __m256 load8(const int half, const void *row, Py_ssize_t j) {
    return half ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)row + j)))
                : _mm256_loadu_ps((const float *)row + j);
}

/* Few queries (one probe, typically): reading the gallery is the cost. Each row is read
 * whole before the next, in memory order, so the hardware prefetcher sees one forward
 * stream; reading eight rows side by side a column at a time (the loop before) was
 * measured a third slower per byte. Eight rows' sums are reduced together and compared
 * with the threshold in one vector. `half` and `dim` are constants where this is
 * inlined, so each element type (and the common 128 dimensions) gets its own loop. */
SIMD static inline __attribute__((always_inline)) int score_few_as(Job *job, const int half,
                                                                  const Py_ssize_t dim) {
    Py_ssize_t vec_end = dim - dim % 8;
    Py_ssize_t r = job->first;
    for (; r + 8 <= job->last; r += 8) {
        for (Py_ssize_t q = 0; q < job->m; q++) {
            const float *query = job->queries + q * dim;
            __m256 acc[8];
            for (int i = 0; i < 8; i++) {
                const void *row = half ? (const void *)((const uint16_t *)job->gallery + (r + i) * dim)
                                       : (const void *)((const float *)job->gallery + (r + i) * dim);
                __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
                Py_ssize_t j = 0;
                for (; j + 16 <= vec_end; j += 16) {
                    a = _mm256_fmadd_ps(load8(half, row, j), _mm256_loadu_ps(query + j), a);
                    b = _mm256_fmadd_ps(load8(half, row, j + 8), _mm256_loadu_ps(query + j + 8), b);
                }
                if (j < vec_end) a = _mm256_fmadd_ps(load8(half, row, j), _mm256_loadu_ps(query + j), a);
                acc[i] = _mm256_add_ps(a, b);
            }
            __m256 sums = sums8(acc);
            if (vec_end < dim) { /* the last dim % 8 columns */
                float tail[8];
                for (int i = 0; i < 8; i++) {
                    tail[i] = 0.0f;
                    for (Py_ssize_t j = vec_end; j < dim; j++) {
                        Py_ssize_t at = (r + i) * dim + j;
                        float g = half ? _cvtsh_ss(((const uint16_t *)job->gallery)[at])
                                       : ((const float *)job->gallery)[at];
                        tail[i] += g * query[j];
                    }
                }
                sums = _mm256_add_ps(sums, _mm256_loadu_ps(tail));
            }
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
    if (r < job->last) { /* the last rows, fewer than eight */
        Job rest = *job;
        rest.first = r;
        int status = score_rows_portable(&rest);
        job->found = rest.found;
        job->overflow = rest.overflow;
        return status;
    }
    return 0;
}

SIMD int score_few_avx2(Job *job) {
    if (job->dim == 128) return job->half ? score_few_as(job, 1, 128) : score_few_as(job, 0, 128);
    return job->half ? score_few_as(job, 1, job->dim) : score_few_as(job, 0, job->dim);
}

#define TILE_ROWS 6
#define TILE_QUERIES 16

/* Many queries: arithmetic is the cost (m multiply-adds per value read). A register
 * tile of 6 rows x 16 queries: per dimension, two loads of the transposed queries and
 * six broadcasts of the rows' values feed twelve FMAs, which is what bounds it. */
SIMD int score_many_avx2(Job *job) {
    Py_ssize_t dim = job->dim, m = job->m;
    Py_ssize_t padded = (m + TILE_QUERIES - 1) / TILE_QUERIES * TILE_QUERIES;
    float *transposed = aligned_alloc(64, aligned_size((size_t)(dim * padded) * sizeof(float)));
    float *rows = aligned_alloc(64, aligned_size((size_t)(TILE_ROWS * dim) * sizeof(float)));
    float *limits = aligned_alloc(64, aligned_size((size_t)padded * sizeof(float)));
    if (transposed == NULL || rows == NULL || limits == NULL) {
        free(transposed);
        free(rows);
        free(limits);
        return -1;
    }
    for (Py_ssize_t j = 0; j < dim; j++)
        for (Py_ssize_t q = 0; q < padded; q++)
            transposed[j * padded + q] = q < m ? job->queries[q * dim + j] : 0.0f;
    /* Thresholds of the padding queries are +inf: nothing of theirs is kept. */
    for (Py_ssize_t q = 0; q < padded; q++)
        limits[q] = q < m && job->out == NULL ? job->thresholds[q] : INFINITY;
    for (Py_ssize_t r = job->first; r < job->last; r += TILE_ROWS) {
        Py_ssize_t count = job->last - r < TILE_ROWS ? job->last - r : TILE_ROWS;
        load_rows(job, r, count, TILE_ROWS, rows);
        for (Py_ssize_t q0 = 0; q0 < padded; q0 += TILE_QUERIES) {
            __m256 acc[TILE_ROWS][2];
            for (int i = 0; i < TILE_ROWS; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
            const float *t = transposed + q0;
            for (Py_ssize_t j = 0; j < dim; j++, t += padded) {
                __m256 x0 = _mm256_load_ps(t), x1 = _mm256_load_ps(t + 8);
                for (int i = 0; i < TILE_ROWS; i++) {
                    __m256 g = _mm256_broadcast_ss(rows + i * dim + j);
                    acc[i][0] = _mm256_fmadd_ps(g, x0, acc[i][0]);
                    acc[i][1] = _mm256_fmadd_ps(g, x1, acc[i][1]);
                }
            }
            float tile[TILE_ROWS][TILE_QUERIES];
            for (int i = 0; i < TILE_ROWS; i++) {
                _mm256_storeu_ps(tile[i], acc[i][0]);
                _mm256_storeu_ps(tile[i] + 8, acc[i][1]);
            }
            if (job->out != NULL) {
                Py_ssize_t queries = m - q0 < TILE_QUERIES ? m - q0 : TILE_QUERIES;
                for (Py_ssize_t q = 0; q < queries; q++) {
                    float *out = job->out + (q0 + q) * job->out_stride + r;
                    for (Py_ssize_t i = 0; i < count; i++) out[i] = tile[i][q];
                }
                continue;
            }
            /* Fused selection: one vector compare per 8 scores; almost none pass once
             * the thresholds have settled, so the block's scores are never stored. */
            __m256 limit0 = _mm256_load_ps(limits + q0), limit1 = _mm256_load_ps(limits + q0 + 8);
            for (Py_ssize_t i = 0; i < count && !job->overflow; i++) {
                /* From the stored tile, not `acc`: indexing `acc` by a run-time row
                 * would keep the accumulators in memory inside the product's loop. */
                __m256 low = _mm256_loadu_ps(tile[i]), high = _mm256_loadu_ps(tile[i] + 8);
                unsigned bits =
                    (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(low, limit0, _CMP_GE_OQ)) |
                    (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(high, limit1, _CMP_GE_OQ)) << 8;
                while (bits != 0) {
                    int q = __builtin_ctz(bits);
                    bits &= bits - 1;
                    if (!emit(job, q0 + q, r + i, tile[i][q])) break;
                }
            }
            if (job->overflow) goto done;
        }
    }
done:
    free(transposed);
    free(rows);
    free(limits);
    return 0;
}
#endif
