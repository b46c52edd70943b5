/* Standard normal float32 draws from a numpy PCG64 generator, the same values numpy's
 * `Generator.standard_normal(dtype=np.float32)` gives, faster (leadreview/simulation/
 * normals.py).
 *
 * Why: a gallery's generation is mostly its draws (two float32 normals per individual
 * dimension and face: 242 million for a million faces), and numpy pays a call through
 * the bit generator's function pointer for every 32 bits. Here the PCG64 step is inline
 * and the ziggurat's common case (over 99% of draws: one 32-bit value, a table lookup,
 * a multiply) runs in a plain loop.
 *
 * Exactness: the PCG64 step and its 32-bit buffering are numpy's documented generator
 * (the 128-bit LCG, XSL-RR output, low half first). The ziggurat's tables are not
 * copied: `prepare` reads them from numpy's own draw function (`random_standard_normal_f`,
 * exported by numpy.random._generator), feeding it chosen 32-bit values and watching how
 * many it takes. Every draw outside the common case (the tail and the wedges) is handed
 * to that same numpy function, with the value already read pushed back in front of the
 * stream, so its rare paths are numpy's code. A table entry the probe cannot pin down
 * sends every draw of that entry to numpy. Tests hold the output to numpy's, byte for
 * byte, over many seeds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#if !defined(__SIZEOF_INT128__)
#error "needs a compiler with 128-bit integers (the build is optional: numpy draws instead)"
#endif

typedef unsigned __int128 u128;

/* numpy's bitgen_t (numpy/random/bitgen.h, its public C interface). */
typedef struct {
    void *state;
    uint64_t (*next_uint64)(void *st);
    uint32_t (*next_uint32)(void *st);
    double (*next_double)(void *st);
    uint64_t (*next_raw)(void *st);
} BitGen;

typedef float (*NormalF)(BitGen *);

typedef struct {
    u128 state, inc;
    int has_uint32;
    uint32_t uinteger;
} Pcg64;

#define MULTIPLIER (((u128)0x2360ED051FC65DA4ULL << 64) | 0x4385DF649FCCF645ULL)

static inline uint64_t pcg_next64(Pcg64 *g) {
    g->state = g->state * MULTIPLIER + g->inc;
    uint64_t value = (uint64_t)(g->state >> 64) ^ (uint64_t)g->state;
    unsigned rotation = (unsigned)(g->state >> 122);
    return (value >> rotation) | (value << ((64 - rotation) & 63));
}

static inline uint32_t pcg_next32(Pcg64 *g) {
    if (g->has_uint32) {
        g->has_uint32 = 0;
        return g->uinteger;
    }
    uint64_t next = pcg_next64(g);
    g->has_uint32 = 1;
    g->uinteger = (uint32_t)(next >> 32);
    return (uint32_t)next;
}

/* A stream for numpy's function: one value pushed back in front of the generator. */
typedef struct {
    Pcg64 *generator;
    int pending;
    uint32_t value;
    Py_ssize_t taken; /* 32-bit values handed out (the probes count them) */
} Pushback;

static uint32_t pushback_next32(void *st) {
    Pushback *p = st;
    p->taken++;
    if (p->pending) {
        p->pending = 0;
        return p->value;
    }
    return pcg_next32(p->generator);
}

static uint64_t pushback_next64(void *st) {
    Pushback *p = st;
    p->taken += 2;
    return pcg_next64(p->generator);
}

static double pushback_double(void *st) {
    return (double)(pushback_next64(st) >> 11) * (1.0 / 9007199254740992.0);
}

static float numpy_draw(NormalF draw, Pcg64 *generator, uint32_t first, Py_ssize_t *taken) {
    Pushback pushback = {generator, 1, first, 0};
    BitGen bitgen = {&pushback, pushback_next64, pushback_next32, pushback_double,
                     pushback_next64};
    float value = draw(&bitgen);
    if (taken != NULL) *taken = pushback.taken;
    return value;
}

/* -- the tables, read from numpy's function ------------------------------------------ */

static NormalF numpy_normal = NULL;
static float width_of[256];   /* x = rabs * width_of[idx] */
static uint32_t fast_below[256]; /* the common case: rabs < fast_below[idx]; 0: never */

/* A draw starting with `rabs` in layer `idx` (positive sign): whether numpy took that
 * value alone, and what it returned. */
static int takes_one(uint32_t idx, uint32_t rabs, float *value) {
    static Pcg64 scratch = {0x853c49e6748fea9bULL, 0xda3e39cb94b95bdbULL | 1u, 0, 0};
    Py_ssize_t taken;
    *value = numpy_draw(numpy_normal, &scratch, (rabs << 9) | idx, &taken);
    return taken == 1;
}

static void read_tables(void) {
    for (uint32_t idx = 0; idx < 256; idx++) {
        float unit;
        fast_below[idx] = 0;
        /* rabs = 1: the value is the layer's width itself, if numpy takes it alone. */
        if (!takes_one(idx, 1, &unit) || !(unit > 0.0f)) continue;
        /* The common case is rabs < bound: find the bound by bisection. */
        uint32_t low = 1, high = 1u << 23; /* takes_one(low); high: past the last rabs */
        while (high - low > 1) {
            uint32_t middle = low + (high - low) / 2;
            float ignored;
            if (takes_one(idx, middle, &ignored)) low = middle;
            else high = middle;
        }
        /* Every value below the bound must be rabs * width: check the ends. */
        float at_low;
        takes_one(idx, low, &at_low);
        if (at_low != (float)low * unit) continue;
        width_of[idx] = unit;
        fast_below[idx] = high;
    }
}

PyDoc_STRVAR(prepare_doc,
             "prepare(address) -> int\n\n"
             "Read the ziggurat's tables from numpy's random_standard_normal_f at `address`\n"
             "(a C function pointer as an int). Returns how many of the 256 layers take the\n"
             "inline common case (the others are always drawn by numpy's function).");

static PyObject *prepare(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long address;
    if (!PyArg_ParseTuple(args, "K", &address)) return NULL;
    if (address == 0) {
        PyErr_SetString(PyExc_ValueError, "no function at address 0");
        return NULL;
    }
    numpy_normal = (NormalF)(uintptr_t)address;
    read_tables();
    long fast = 0;
    for (int idx = 0; idx < 256; idx++) fast += fast_below[idx] != 0;
    return PyLong_FromLong(fast);
}

/* One draw whose first 32-bit value `r` is read: the common case inline, else numpy's
 * function with `r` pushed back in front of the stream. */
static inline int common(uint32_t r) { return ((r >> 9) & 0x7fffffu) < fast_below[r & 0xffu]; }

static inline float common_value(uint32_t r) {
    float x = (float)((r >> 9) & 0x7fffffu) * width_of[r & 0xffu];
    return (r >> 8) & 1u ? -x : x;
}

static inline float draw_one(Pcg64 *g, uint32_t r) {
    return common(r) ? common_value(r) : numpy_draw(numpy_normal, g, r, NULL);
}

/* Draws in pairs from 64-bit steps while both halves take the common case, the state
 * in registers; returns how many were written (stopping before a step with a rare half,
 * which the caller then takes). Needs no buffered half in `g`. */
static Py_ssize_t common_pairs(Pcg64 *g, float *out, Py_ssize_t count) {
    u128 state = g->state;
    const u128 inc = g->inc;
    uint32_t high = g->uinteger;
    Py_ssize_t i = 0;
    for (; i + 2 <= count; i += 2) {
        u128 next = state * MULTIPLIER + inc;
        uint64_t value = (uint64_t)(next >> 64) ^ (uint64_t)next;
        unsigned rotation = (unsigned)(next >> 122);
        uint64_t pair = (value >> rotation) | (value << ((64 - rotation) & 63));
        uint32_t low = (uint32_t)pair, top = (uint32_t)(pair >> 32);
        if (!(common(low) & common(top))) break;
        state = next;
        high = top;
        out[i] = common_value(low);
        out[i + 1] = common_value(top);
    }
    g->state = state;
    g->uinteger = high; /* numpy leaves the last high half there, used or not */
    return i;
}

PyDoc_STRVAR(fill_doc,
             "fill(state_high, state_low, inc_high, inc_low, has_uint32, uinteger, out)\n"
             "    -> (state_high, state_low, has_uint32, uinteger)\n\n"
             "Fill `out` (a writable C-contiguous float32 buffer) with standard normals from\n"
             "the PCG64 state given (numpy's bit_generator.state, 128-bit values in 64-bit\n"
             "halves), as numpy's standard_normal(dtype=float32, out=out) would; returns the\n"
             "state after. `prepare` must have run. The GIL is released.");

static PyObject *fill(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long state_high, state_low, inc_high, inc_low;
    int has_uint32;
    unsigned long uinteger;
    PyObject *target;
    if (!PyArg_ParseTuple(args, "KKKKpkO", &state_high, &state_low, &inc_high, &inc_low,
                          &has_uint32, &uinteger, &target))
        return NULL;
    if (numpy_normal == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "prepare() has not run");
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(target, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        return NULL;
    const char *format = view.format ? view.format : "B";
    if (format[0] == '<' || format[0] == '=' || format[0] == '@') format++;
    if (strcmp(format, "f") != 0) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_TypeError, "out: expected float32 ('f'), got '%s'", format);
        return NULL;
    }
    Pcg64 g = {((u128)state_high << 64) | state_low, ((u128)inc_high << 64) | inc_low,
               has_uint32, (uint32_t)uinteger};
    float *out = view.buf;
    Py_ssize_t count = view.len / (Py_ssize_t)sizeof(float);
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t i = 0;
    while (i < count) {
        if (!g.has_uint32) i += common_pairs(&g, out + i, count - i);
        if (i == count) break;
        if (g.has_uint32 || i + 1 == count) { /* a buffered half, or the last draw */
            uint32_t r = pcg_next32(&g);
            out[i++] = draw_one(&g, r);
            continue;
        }
        /* Two draws from one 64-bit step, low half first, as numpy's buffering gives
         * them; while a rare draw of the low half runs, the high half is buffered. */
        uint64_t pair = pcg_next64(&g);
        uint32_t low = (uint32_t)pair, high = (uint32_t)(pair >> 32);
        g.uinteger = high; /* numpy leaves the last high half there, used or not */
        if (common(low)) {
            out[i++] = common_value(low);
            out[i++] = draw_one(&g, high);
        } else {
            g.has_uint32 = 1;
            out[i++] = numpy_draw(numpy_normal, &g, low, NULL);
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return Py_BuildValue("KKik", (unsigned long long)(g.state >> 64),
                         (unsigned long long)(uint64_t)g.state, g.has_uint32,
                         (unsigned long)g.uinteger);
}

static PyMethodDef methods[] = {
    {"prepare", prepare, METH_VARARGS, prepare_doc},
    {"fill", fill, METH_VARARGS, fill_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_normals", "numpy's float32 standard normals from PCG64, inline.",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__normals(void) { return PyModule_Create(&module); }
