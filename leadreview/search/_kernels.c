/* Block scoring for the exact top-k (leadreview/search/topk.py): out[q, r] = the inner
 * product of query q (float32) with gallery row r (float16 or float32), accumulated in
 * float32. This file is the Python module and the choice of loop; the loops are in
 * _kernels_portable.c, _kernels_avx2.c and _kernels_avx512.c.
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
 * Portability: the AVX2/F16C/FMA and AVX-512 loops are compiled per function (target
 * attributes) and chosen at run time (__builtin_cpu_supports); other CPUs and compilers
 * run the portable loops, so the wheel never executes an instruction the CPU lacks.
 * `limit_isa` caps the choice (tests run every path on one machine).
 * The GIL is released while scoring, so Python threads score slices of rows in parallel.
 */
#include "_kernels.h"

#include <string.h>

enum { ISA_PORTABLE, ISA_AVX2, ISA_AVX512 };
static const char *const ISA_NAMES[] = {"portable", "avx2", "avx512"};

/* The widest loops this CPU runs. */
static int cpu_isa(void) {
#if LEADREVIEW_X86
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") &&
          __builtin_cpu_supports("fma")))
        return ISA_PORTABLE;
    return __builtin_cpu_supports("avx512f") ? ISA_AVX512 : ISA_AVX2;
#else
    return ISA_PORTABLE;
#endif
}

/* The widest loops the process allows (limit_isa); set only by tests. */
static int isa_limit = ISA_AVX512;

static int isa_in_use(void) {
    int cpu = cpu_isa();
    return cpu < isa_limit ? cpu : isa_limit;
}

/* Which loop runs: for many queries (arithmetic-bound) the register tiles, for few
 * (memory-bound) the row-by-row loops; the widest the CPU and the limit allow, unless
 * the caller asked for the portable loops (tests compare them). */
static int run_job(Job *job, int portable) {
#if LEADREVIEW_X86
    int isa = portable ? ISA_PORTABLE : isa_in_use();
    if (isa >= ISA_AVX2 && job->m >= 8) {
        /* AVX-512's tiles hold 32 queries, AVX2's 16: the wider only where it pads
         * the queries no further (else it would multiply more zeros than it saves). */
        Py_ssize_t pad32 = (job->m + 31) / 32 * 32, pad16 = (job->m + 15) / 16 * 16;
        if (isa == ISA_AVX512 && pad32 == pad16) return score_many_avx512(job);
        return score_many_avx2(job);
    }
    /* AVX-512 for float16 rows only: on float32 rows the AVX2 loop read memory faster
     * (1M x 128, one probe, two threads: 17 vs 21 ms of CPU); on float16 they tie. */
    if (isa == ISA_AVX512 && job->half && job->dim % 16 == 0) return score_few_avx512(job);
    if (isa >= ISA_AVX2) return score_few_avx2(job);
#else
    (void)portable;
#endif
    return score_rows_portable(job);
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
    return PyBool_FromLong(cpu_isa() >= ISA_AVX2);
}

static PyObject *isa(PyObject *self, PyObject *unused) {
    (void)self, (void)unused;
    return PyUnicode_FromString(ISA_NAMES[isa_in_use()]);
}

PyDoc_STRVAR(limit_isa_doc,
             "limit_isa(name) -> str\n\n"
             "Run at most the loops of `name` ('avx512', 'avx2' or 'portable') from now on,\n"
             "in this process, and return the previous limit's name. For tests: every path\n"
             "on one machine. The CPU still decides what it can run (see `isa`).");

static PyObject *limit_isa(PyObject *self, PyObject *arg) {
    (void)self;
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL) return NULL;
    for (int level = ISA_PORTABLE; level <= ISA_AVX512; level++) {
        if (strcmp(name, ISA_NAMES[level]) == 0) {
            int previous = isa_limit;
            isa_limit = level;
            return PyUnicode_FromString(ISA_NAMES[previous]);
        }
    }
    PyErr_Format(PyExc_ValueError, "unknown instruction set '%s': avx512, avx2 or portable",
                 name);
    return NULL;
}

static PyMethodDef methods[] = {
    {"score", (PyCFunction)(void (*)(void))score, METH_VARARGS | METH_KEYWORDS, score_doc},
    {"score_above", (PyCFunction)(void (*)(void))score_above, METH_VARARGS | METH_KEYWORDS,
     score_above_doc},
    {"simd", simd, METH_NOARGS, "Whether this CPU runs the AVX2/F16C/FMA kernels."},
    {"isa", isa, METH_NOARGS,
     "The widest loops in use: 'avx512', 'avx2' or 'portable' (the CPU and limit_isa)."},
    {"limit_isa", limit_isa, METH_O, limit_isa_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_kernels", "Compiled block scoring for the exact top-k.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
