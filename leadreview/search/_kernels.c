/* Block scoring for the exact top-k (leadreview/search/topk.py): out[q, r] = the inner
 * product of query q (float32) with gallery row r (float16 or float32), accumulated in
 * float32.
 *
 * Why C: numpy has no float16 BLAS, and converting a float16 block to float32 before
 * BLAS runs at about 1.6 GB/s on one thread; F16C converts 8 values per instruction
 * inside the product, so a float16 gallery is read once, at half the bytes of float32.
 *
 * Why the buffer protocol rather than numpy's C API: the module then needs no numpy
 * headers at build time (the build requires only setuptools and a C compiler) and is
 * not tied to the ABI of the numpy it was built against; numpy arrays and memory maps
 * export C-contiguous float16 ('e') and float32 ('f') buffers, which is all we read.
 *
 * Portability: the AVX2/F16C/FMA code (and an AVX-512 loop for few queries) is compiled
 * per function (target attributes) and chosen at run time (__builtin_cpu_supports);
 * other CPUs and compilers run the portable loops below, so the wheel never executes an
 * instruction the CPU lacks.
 * The GIL is released while scoring, so Python threads score slices of rows in parallel.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define LEADREVIEW_X86 1
#include <immintrin.h>
#else
#define LEADREVIEW_X86 0
#endif

typedef struct {
    const void *gallery; /* rows x dim, float16 (uint16_t bits) or float32 */
    int half;            /* whether the gallery is float16 */
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

/* ---- portable path ---------------------------------------------------------------- */

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exponent = (h >> 10) & 0x1fu;
    uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            exponent = 127 - 15 + 1;
            while ((mantissa & 0x400u) == 0) {
                mantissa <<= 1;
                exponent--;
            }
            bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
        }
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void score_portable(Job *job, float *row_buffer) {
    for (Py_ssize_t r = job->first; r < job->last; r++) {
        const float *row;
        if (job->half) {
            const uint16_t *src = (const uint16_t *)job->gallery + r * job->dim;
            for (Py_ssize_t j = 0; j < job->dim; j++) row_buffer[j] = half_to_float(src[j]);
            row = row_buffer;
        } else {
            row = (const float *)job->gallery + r * job->dim;
        }
        for (Py_ssize_t q = 0; q < job->m; q++) {
            const float *query = job->queries + q * job->dim;
            float sum = 0.0f;
            for (Py_ssize_t j = 0; j < job->dim; j++) sum += row[j] * query[j];
            if (!emit(job, q, r, sum)) return;
        }
    }
}

/* ---- AVX2 + F16C + FMA ------------------------------------------------------------ */
#if LEADREVIEW_X86
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

/* Eight values of row `row` from column j, as float32 (F16C converts float16). */
#define LOAD8(half, job, row, j)                                                                 \
    ((half) ? _mm256_cvtph_ps(_mm_loadu_si128(                                                   \
                  (const __m128i *)((const uint16_t *)(job)->gallery + (row) * (job)->dim + (j)))) \
            : _mm256_loadu_ps((const float *)(job)->gallery + (row) * (job)->dim + (j)))

/* Few queries (one probe, typically): reading the gallery is the cost. Eight rows at a
 * time against each query, read straight from the gallery (converted in registers),
 * their eight sums reduced together and compared with the threshold in one vector.
 * `half` is a constant at each call, so each element type gets its own loop. */
SIMD static inline __attribute__((always_inline)) int score_few_as(Job *job, const int half) {
    Py_ssize_t dim = job->dim, vec_end = dim - dim % 8;
    Py_ssize_t r = job->first;
    /* The eight rows two steps ahead, a cache line at a time: the loop reads eight
     * rows side by side, a pattern the hardware prefetcher follows less well than one
     * stream. */
    const char *base = (const char *)job->gallery;
    Py_ssize_t row_bytes = dim * (half ? 2 : 4), ahead = 16 * row_bytes;
    const char *end = base + job->last * row_bytes;
    for (; r + 8 <= job->last; r += 8) {
        const char *next = base + r * row_bytes + ahead;
        for (Py_ssize_t b = 0; b < 8 * row_bytes && next + b < end; b += 64)
            _mm_prefetch(next + b, _MM_HINT_T0);
        for (Py_ssize_t q = 0; q < job->m; q++) {
            const float *query = job->queries + q * dim;
            __m256 acc[8];
            for (int i = 0; i < 8; i++) acc[i] = _mm256_setzero_ps();
            for (Py_ssize_t j = 0; j < vec_end; j += 8) {
                __m256 x = _mm256_loadu_ps(query + j);
                for (int i = 0; i < 8; i++) acc[i] = _mm256_fmadd_ps(LOAD8(half, job, r + i, j), x, acc[i]);
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
            while (bits != 0) {
                int i = __builtin_ctz(bits);
                bits &= bits - 1;
                if (!emit(job, q, r + i, value[i])) return 0;
            }
        }
    }
    if (r < job->last) { /* the last rows, fewer than eight */
        float *row_buffer = malloc((size_t)dim * sizeof(float));
        if (row_buffer == NULL) return -1;
        Job rest = *job;
        rest.first = r;
        score_portable(&rest, row_buffer);
        job->found = rest.found;
        job->overflow = rest.overflow;
        free(row_buffer);
    }
    return 0;
}

SIMD static int score_few(Job *job) { return job->half ? score_few_as(job, 1) : score_few_as(job, 0); }

/* The same with AVX-512 where the CPU has it and rows are whole 16-value vectors: one
 * conversion and one FMA per 16 values, half the instructions of the AVX2 loop (the
 * float16 one-probe search is bound by them once memory keeps up). */
#define SIMD512 __attribute__((target("avx2,f16c,fma,avx512f")))

SIMD512 static inline __m256 halves_added(__m512 v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v),
                         _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

SIMD512 static inline __attribute__((always_inline)) int score_few_512_as(Job *job, const int half) {
    Py_ssize_t dim = job->dim;
    Py_ssize_t r = job->first;
    /* As in score_few_as: the next rows prefetched. */
    const char *base = (const char *)job->gallery;
    Py_ssize_t row_bytes = dim * (half ? 2 : 4), ahead = 16 * row_bytes;
    const char *end = base + job->last * row_bytes;
    for (; r + 8 <= job->last; r += 8) {
        const char *next = base + r * row_bytes + ahead;
        for (Py_ssize_t b = 0; b < 8 * row_bytes && next + b < end; b += 64)
            _mm_prefetch(next + b, _MM_HINT_T0);
        for (Py_ssize_t q = 0; q < job->m; q++) {
            const float *query = job->queries + q * dim;
            __m512 acc[8];
            for (int i = 0; i < 8; i++) acc[i] = _mm512_setzero_ps();
            for (Py_ssize_t j = 0; j < dim; j += 16) {
                __m512 x = _mm512_loadu_ps(query + j);
                for (int i = 0; i < 8; i++) {
                    Py_ssize_t at = (r + i) * dim + j;
                    __m512 g = half ? _mm512_cvtph_ps(_mm256_loadu_si256(
                                          (const __m256i *)((const uint16_t *)job->gallery + at)))
                                    : _mm512_loadu_ps((const float *)job->gallery + at);
                    acc[i] = _mm512_fmadd_ps(g, x, acc[i]);
                }
            }
            __m256 folded[8];
            for (int i = 0; i < 8; i++) folded[i] = halves_added(acc[i]);
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
            while (bits != 0) {
                int i = __builtin_ctz(bits);
                bits &= bits - 1;
                if (!emit(job, q, r + i, value[i])) return 0;
            }
        }
    }
    if (r < job->last) { /* the last rows, fewer than eight: the AVX2 loop's tail */
        Job rest = *job;
        rest.first = r;
        int status = score_few(&rest);
        job->found = rest.found;
        job->overflow = rest.overflow;
        return status;
    }
    return 0;
}

SIMD512 static int score_few_512(Job *job) {
    return job->half ? score_few_512_as(job, 1) : score_few_512_as(job, 0);
}

static int avx512_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

/* aligned_alloc wants a multiple of the alignment. */
static size_t aligned_size(size_t bytes) { return (bytes + 63) / 32 * 32; }

#define TILE_ROWS 6
#define TILE_QUERIES 16

/* Many queries: arithmetic is the cost (m multiply-adds per value read). A register
 * tile of 6 rows x 16 queries: per dimension, two loads of the transposed queries and
 * six broadcasts of the rows' values feed twelve FMAs, which is what bounds it. */
SIMD static int score_many(Job *job) {
    Py_ssize_t dim = job->dim, m = job->m;
    Py_ssize_t padded = (m + TILE_QUERIES - 1) / TILE_QUERIES * TILE_QUERIES;
    float *transposed = aligned_alloc(32, aligned_size((size_t)(dim * padded) * sizeof(float)));
    float *rows = aligned_alloc(32, aligned_size((size_t)(TILE_ROWS * dim) * sizeof(float)));
    if (transposed == NULL || rows == NULL) {
        free(transposed);
        free(rows);
        return -1;
    }
    for (Py_ssize_t j = 0; j < dim; j++)
        for (Py_ssize_t q = 0; q < padded; q++)
            transposed[j * padded + q] = q < m ? job->queries[q * dim + j] : 0.0f;
    /* Thresholds of the padding queries are +inf: nothing of theirs is kept. */
    float *limits = aligned_alloc(32, aligned_size((size_t)padded * sizeof(float)));
    if (limits == NULL) {
        free(transposed);
        free(rows);
        return -1;
    }
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

static int simd_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") &&
           __builtin_cpu_supports("fma");
}
#endif

/* Which code runs: the SIMD kernels when the CPU has them, unless the caller asked for
 * the portable loops (tests compare the two). */
static int run_job(Job *job, int portable) {
#if LEADREVIEW_X86
    if (!portable && simd_supported()) {
        if (job->m >= 8) return score_many(job);
        /* AVX-512 only for float16 (one conversion per 16 values): measured on float32
         * rows, the AVX2 loop read memory faster (1M-3M x 128, two threads). */
        if (job->half && job->dim % 16 == 0 && avx512_supported())
            return score_few_512(job);
        return score_few(job);
    }
#endif
    float *row_buffer = malloc((size_t)(job->dim > 0 ? job->dim : 1) * sizeof(float));
    if (row_buffer == NULL) return -1;
    score_portable(job, row_buffer);
    free(row_buffer);
    return 0;
}

/* A buffer of `ndim` dimensions whose format is one of `formats` (8-byte integers for
 * 'q'/'l'), or a Python error naming it. */
static int check(const Py_buffer *view, const char *name, int ndim, const char *formats) {
    if (view->ndim != ndim) {
        PyErr_Format(PyExc_ValueError, "%s must be %d-dimensional", name, ndim);
        return -1;
    }
    const char *format = view->format == NULL ? "B" : view->format;
    if (format[0] == '<' || format[0] == '=' || format[0] == '@') format++;
    int integer = format[0] == 'q' || format[0] == 'l';
    if (strlen(format) != 1 || strchr(formats, format[0]) == NULL ||
        (integer && view->itemsize != 8)) {
        PyErr_Format(PyExc_TypeError, "%s has format '%s', expected one of '%s'", name,
                     view->format, formats);
        return -1;
    }
    return 0;
}

enum { MAX_BUFFERS = 6 };

typedef struct {
    Py_buffer views[MAX_BUFFERS];
    int count;
} Buffers;

static void release(Buffers *buffers) {
    for (int i = 0; i < buffers->count; i++) PyBuffer_Release(&buffers->views[i]);
    buffers->count = 0;
}

/* C-contiguous buffers of `objects`; the last `writable` of them writable. */
static int acquire(Buffers *buffers, PyObject **objects, int count, int writable) {
    buffers->count = 0;
    for (int i = 0; i < count; i++) {
        int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (i >= count - writable ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(objects[i], &buffers->views[i], flags) < 0) {
            release(buffers);
            return -1;
        }
        buffers->count++;
    }
    return 0;
}

/* The job's gallery, queries and row range from the first two buffers. */
static int prepare(Job *job, Buffers *buffers, Py_ssize_t first, Py_ssize_t last) {
    Py_buffer *gallery = &buffers->views[0], *queries = &buffers->views[1];
    if (check(gallery, "gallery", 2, "ef") < 0 || check(queries, "queries", 2, "f") < 0)
        return -1;
    job->gallery = gallery->buf;
    job->half = gallery->itemsize == 2;
    job->queries = queries->buf;
    job->dim = gallery->shape[1];
    job->m = queries->shape[0];
    job->first = first;
    job->last = last;
    if (queries->shape[1] != job->dim || first < 0 || last > gallery->shape[0] || first > last) {
        PyErr_SetString(PyExc_ValueError, "shapes or row range do not agree");
        return -1;
    }
    return 0;
}

static int run_released(Job *job, int portable) {
    int status;
    Py_BEGIN_ALLOW_THREADS status = run_job(job, portable);
    Py_END_ALLOW_THREADS if (status < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(score_doc,
             "score(gallery, queries, out, first, last, portable=False)\n\n"
             "out[q, r] = gallery[r] . queries[q] for gallery rows first <= r < last,\n"
             "accumulated in float32. gallery: C-contiguous (n, d) float16 or float32;\n"
             "queries: C-contiguous (m, d) float32; out: writable C-contiguous (m, n)\n"
             "float32. The GIL is released while scoring. portable=True runs the plain C\n"
             "loops instead of the SIMD kernels (for tests).");

static PyObject *score(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    static char *keywords[] = {"gallery", "queries", "out", "first", "last", "portable", NULL};
    PyObject *objects[3];
    Py_ssize_t first, last;
    int portable = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn|p", keywords, &objects[0], &objects[1],
                                     &objects[2], &first, &last, &portable))
        return NULL;
    Buffers buffers;
    if (acquire(&buffers, objects, 3, 1) < 0) return NULL;
    PyObject *result = NULL;
    Job job = {0};
    Py_buffer *out = &buffers.views[2];
    if (prepare(&job, &buffers, first, last) < 0 || check(out, "out", 2, "f") < 0) goto done;
    if (out->shape[0] != job.m || out->shape[1] != buffers.views[0].shape[0]) {
        PyErr_SetString(PyExc_ValueError, "shapes or row range do not agree");
        goto done;
    }
    job.out = out->buf;
    job.out_stride = out->shape[1];
    if (run_released(&job, portable) == 0) result = Py_NewRef(Py_None);
done:
    release(&buffers);
    return result;
}

PyDoc_STRVAR(score_above_doc,
             "score_above(gallery, queries, thresholds, rows, queries_out, scores, first,\n"
             "            last, portable=False) -> int\n\n"
             "The scores of `score` that reach their query's threshold, without storing the\n"
             "others: each as (row, query, score) written to the int64 arrays `rows` and\n"
             "`queries_out` and the float32 array `scores` (all of one length, the capacity),\n"
             "in no particular order. Returns how many, or -1 when more than the capacity\n"
             "pass (the arrays then hold an arbitrary part of them). thresholds: (m,)\n"
             "float32; a NaN threshold keeps nothing. The GIL is released while scoring.");

static PyObject *score_above(PyObject *self, PyObject *args, PyObject *kwargs) {
    (void)self;
    static char *keywords[] = {"gallery", "queries", "thresholds", "rows", "queries_out",
                               "scores", "first", "last", "portable", NULL};
    PyObject *objects[6];
    Py_ssize_t first, last;
    int portable = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOOnn|p", keywords, &objects[0],
                                     &objects[1], &objects[2], &objects[3], &objects[4],
                                     &objects[5], &first, &last, &portable))
        return NULL;
    Buffers buffers;
    if (acquire(&buffers, objects, 6, 3) < 0) return NULL;
    PyObject *result = NULL;
    Job job = {0};
    Py_buffer *thresholds = &buffers.views[2], *rows = &buffers.views[3],
              *queries = &buffers.views[4], *scores = &buffers.views[5];
    if (prepare(&job, &buffers, first, last) < 0 ||
        check(thresholds, "thresholds", 1, "f") < 0 || check(rows, "rows", 1, "ql") < 0 ||
        check(queries, "queries_out", 1, "ql") < 0 || check(scores, "scores", 1, "f") < 0)
        goto done;
    if (thresholds->shape[0] != job.m || queries->shape[0] != rows->shape[0] ||
        scores->shape[0] != rows->shape[0]) {
        PyErr_SetString(PyExc_ValueError, "shapes or row range do not agree");
        goto done;
    }
    job.thresholds = thresholds->buf;
    job.found_rows = rows->buf;
    job.found_queries = queries->buf;
    job.found_scores = scores->buf;
    job.capacity = rows->shape[0];
    if (run_released(&job, portable) == 0)
        result = PyLong_FromSsize_t(job.overflow ? -1 : job.found);
done:
    release(&buffers);
    return result;
}

static PyObject *simd(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
#if LEADREVIEW_X86
    return PyBool_FromLong(simd_supported());
#else
    return PyBool_FromLong(0);
#endif
}

static PyMethodDef methods[] = {
    {"score", (PyCFunction)(void (*)(void))score, METH_VARARGS | METH_KEYWORDS, score_doc},
    {"score_above", (PyCFunction)(void (*)(void))score_above, METH_VARARGS | METH_KEYWORDS,
     score_above_doc},
    {"simd", simd, METH_NOARGS, "Whether this CPU runs the AVX2/F16C/FMA kernels."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels", "Compiled block scoring for the exact top-k.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
