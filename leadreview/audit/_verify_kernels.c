/* The verifier's hot loop in C: a chunk of stored event rows hashed and checked.
 *
 * `chain_leaves(rows, last, expected)` builds each row's canonical entry bytes exactly
 * as leadreview/audit/canonical.py `row_entries` does (formats 1 and 2), computes its
 * chain digest and its Merkle leaf hash (SHA-256 of 0x00 || entry), and checks what
 * the Python walker's fast path checks: the stored digest, the link to the previous
 * event's stored digest (`last` for the first row), the sequence number (`expected`
 * for the first row), no quote or backslash in the labels, a known format, and a
 * format 2 event's auth and login. When every row passes it returns the leaf hashes
 * concatenated (32 bytes a row). Otherwise it returns None and the Python walker walks
 * the chunk itself: it alone decides verdicts and words the breaks, so a tampered log
 * gets exactly the messages it gets without this module.
 *
 * None too for anything whose text Python would build differently or which this code
 * does not model: a column that is not exactly a str (or exactly an int for seq and
 * format), a string holding a lone surrogate (Python encodes those "surrogatepass"),
 * a sequence number beyond 64 bits, a row that is not an 11-tuple.
 *
 * SHA-256 is OpenSSL's libcrypto (SHA instructions where the CPU has them), through
 * EVP with one reused context: the per-call cost that dominates hashlib from Python
 * (three calls per event) is gone here.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>

#include "_verify_entry.h"

#define ROW_COLUMNS 11

/* A column's UTF-8 text; 0 (no exception set) when the row must fall back. */
static int text_of(PyObject *value, Text *out) {
    if (!PyUnicode_CheckExact(value)) {
        return 0;
    }
    out->text = PyUnicode_AsUTF8AndSize(value, &out->length);
    if (out->text == NULL) { /* a lone surrogate: Python's "surrogatepass" path */
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* The entry of one row into `buffer` after its first byte (kept for the leaf's 0x00).
 * Returns 1 when built, 0 when the row must fall back, -1 on a memory error. */
static int build_entry(PyObject *row, long long expected, Buffer *buffer, Text *prev_out,
                       Text *digest_out) {
    if (!PyTuple_CheckExact(row) || PyTuple_GET_SIZE(row) != ROW_COLUMNS) {
        return 0;
    }
    PyObject *seq_object = PyTuple_GET_ITEM(row, 0);
    PyObject *version_object = PyTuple_GET_ITEM(row, 8);
    if (!PyLong_CheckExact(seq_object) || !PyLong_CheckExact(version_object)) {
        return 0;
    }
    EventText event = {0};
    int overflow = 0;
    event.seq = PyLong_AsLongLongAndOverflow(seq_object, &overflow);
    if (overflow || event.seq != expected || (event.seq == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    event.version = PyLong_AsLongAndOverflow(version_object, &overflow);
    if (overflow || (event.version != 1 && event.version != 2)) {
        PyErr_Clear();
        return 0;
    }
    event.auth = (Text){"", 0};
    event.login = (Text){"", 0};
    if (!text_of(PyTuple_GET_ITEM(row, 1), &event.time) ||
        !text_of(PyTuple_GET_ITEM(row, 2), &event.actor) ||
        !text_of(PyTuple_GET_ITEM(row, 3), &event.role) ||
        !text_of(PyTuple_GET_ITEM(row, 4), &event.event_type) ||
        !text_of(PyTuple_GET_ITEM(row, 5), &event.payload) ||
        !text_of(PyTuple_GET_ITEM(row, 6), &event.prev) ||
        !text_of(PyTuple_GET_ITEM(row, 7), &event.digest)) {
        return 0;
    }
    PyObject *auth_object = PyTuple_GET_ITEM(row, 9);
    PyObject *login_object = PyTuple_GET_ITEM(row, 10);
    if (event.version == 2) {
        /* Format 2 names both (labels_pass: non-empty). */
        if (!text_of(auth_object, &event.auth) || !text_of(login_object, &event.login)) {
            return 0;
        }
    } else {
        /* Format 1 does not seal them, but the walker still checks them as labels: a
         * str is checked here, None formats as "None" (clean); anything else falls back. */
        if ((auth_object != Py_None && !text_of(auth_object, &event.auth)) ||
            (login_object != Py_None && !text_of(login_object, &event.login))) {
            return 0;
        }
    }
    if (!labels_pass(&event)) {
        return 0;
    }
    if (build_entry_text(&event, buffer) < 0) {
        return -1;
    }
    *prev_out = event.prev;
    *digest_out = event.digest;
    return 1;
}

static PyObject *chain_leaves(PyObject *self, PyObject *args) {
    PyObject *rows, *last_object, *expected_object;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!OO", &PyList_Type, &rows, &last_object, &expected_object)) {
        return NULL;
    }
    /* A link or sequence number this code cannot hold is the walker's to word. */
    Text previous;
    int overflow = 0;
    long long expected =
        PyLong_CheckExact(expected_object) ? PyLong_AsLongLongAndOverflow(expected_object, &overflow)
                                           : -1;
    if (!text_of(last_object, &previous) || overflow || expected < 0 ||
        expected > LLONG_MAX - PyList_GET_SIZE(rows)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    Py_ssize_t count = PyList_GET_SIZE(rows);
    PyObject *leaves = PyBytes_FromStringAndSize(NULL, count * DIGEST_SIZE);
    if (leaves == NULL) {
        return NULL;
    }
    unsigned char *leaf = (unsigned char *)PyBytes_AS_STRING(leaves);
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    Buffer buffer = {NULL, 0, 0};
    int outcome = context != NULL && buffer_reserve(&buffer, 1024) == 0 ? 1 : -1;
    if (outcome == 1) {
        buffer.data[0] = 0x00;
    }
    for (Py_ssize_t i = 0; i < count && outcome == 1; i++) {
        Text prev, digest;
        outcome = build_entry(PyList_GET_ITEM(rows, i), expected + i, &buffer, &prev, &digest);
        if (outcome != 1) {
            break;
        }
        unsigned char computed[DIGEST_SIZE];
        if (!sha256(context, buffer.data + 1, buffer.size - 1, computed) ||
            !sha256(context, buffer.data, buffer.size, leaf + i * DIGEST_SIZE)) {
            outcome = -2;
            break;
        }
        /* The link and the stored digest, as the walker's fast path compares them. */
        if (prev.length != previous.length || memcmp(prev.text, previous.text, prev.length) != 0 ||
            !hex_equals(&digest, computed)) {
            outcome = 0;
            break;
        }
        previous = digest;
    }
    PyMem_RawFree(buffer.data);
    EVP_MD_CTX_free(context);
    if (outcome == 1) {
        return leaves;
    }
    Py_DECREF(leaves);
    if (outcome == -1) {
        return PyErr_NoMemory();
    }
    if (outcome == -2) {
        PyErr_SetString(PyExc_RuntimeError, "libcrypto's SHA-256 failed");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* check_levels(nodes, blobs, level, base, top, unpaired) -> int: tree_check.py's
 * `_LevelChecker._check_levels` in one call, the same steps in the same order: -1 when
 * every stored hash checked is right, else the level whose parents (level + 1) are
 * wrong. `blobs` are bytes of whole 32-byte hashes (RangeTreeCheck refuses others);
 * `unpaired` (level -> node) is read and updated as the Python code does. */
static PyObject *check_levels(PyObject *self, PyObject *args) {
    Py_buffer given;
    PyObject *blob_list, *unpaired;
    long level, base, top;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*O!lllO!", &given, &PyList_Type, &blob_list, &level, &base,
                          &top, &PyDict_Type, &unpaired)) {
        return NULL;
    }
    Py_ssize_t blob_count = PyList_GET_SIZE(blob_list);
    const unsigned char **blobs = PyMem_Malloc((blob_count + 1) * sizeof(*blobs));
    Py_ssize_t *lengths = PyMem_Malloc((blob_count + 1) * sizeof(*lengths));
    /* Room for the given nodes and one carried in; a level never outgrows its nodes. */
    unsigned char *nodes = PyMem_Malloc(given.len + DIGEST_SIZE);
    unsigned char *parents = PyMem_Malloc(given.len / 2 + DIGEST_SIZE);
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    long wrong = -1;
    int failed = blobs == NULL || lengths == NULL || nodes == NULL || parents == NULL ||
                 context == NULL || given.len % DIGEST_SIZE != 0;
    if (failed && !PyErr_Occurred()) {
        if (given.len % DIGEST_SIZE != 0) {
            PyErr_SetString(PyExc_ValueError, "check_levels needs whole 32-byte nodes");
        } else {
            PyErr_NoMemory();
        }
    }
    for (Py_ssize_t i = 0; !failed && i < blob_count; i++) {
        PyObject *blob = PyList_GET_ITEM(blob_list, i);
        if (!PyBytes_CheckExact(blob) || PyBytes_GET_SIZE(blob) % DIGEST_SIZE != 0) {
            PyErr_SetString(PyExc_ValueError, "check_levels needs rows of whole hashes");
            failed = 1;
            break;
        }
        blobs[i] = (const unsigned char *)PyBytes_AS_STRING(blob);
        lengths[i] = PyBytes_GET_SIZE(blob);
    }
    Py_ssize_t count = failed ? 0 : given.len / DIGEST_SIZE;
    if (!failed) {
        memcpy(nodes, given.buf, given.len);
    }
    while (!failed && count > 0 && (top < 0 || level < top)) {
        PyObject *key = PyLong_FromLong(level);
        PyObject *carried = key != NULL ? PyDict_GetItemWithError(unpaired, key) : NULL;
        if (key == NULL || (carried == NULL && PyErr_Occurred())) {
            Py_XDECREF(key);
            failed = 1;
            break;
        }
        if (carried != NULL) {
            if (!PyBytes_CheckExact(carried) || PyBytes_GET_SIZE(carried) != DIGEST_SIZE) {
                PyErr_SetString(PyExc_ValueError, "an unpaired node is not 32 bytes");
                Py_DECREF(key);
                failed = 1;
                break;
            }
            memmove(nodes + DIGEST_SIZE, nodes, count * DIGEST_SIZE);
            memcpy(nodes, PyBytes_AS_STRING(carried), DIGEST_SIZE);
            count += 1;
            if (PyDict_DelItem(unpaired, key) < 0) {
                Py_DECREF(key);
                failed = 1;
                break;
            }
        }
        if (count & 1) {
            PyObject *last =
                PyBytes_FromStringAndSize((const char *)nodes + (count - 1) * DIGEST_SIZE,
                                          DIGEST_SIZE);
            if (last == NULL || PyDict_SetItem(unpaired, key, last) < 0) {
                Py_XDECREF(last);
                Py_DECREF(key);
                failed = 1;
                break;
            }
            Py_DECREF(last);
            count -= 1;
        }
        Py_DECREF(key);
        if (!hash_pairs(context, nodes, count, parents)) {
            PyErr_SetString(PyExc_RuntimeError, "libcrypto's SHA-256 failed");
            failed = 1;
            break;
        }
        Py_ssize_t expected = count / 2;
        Py_ssize_t offset = (Py_ssize_t)DIGEST_SIZE * (level + 1 - base);
        /* Keep only the rows that reach this level, comparing their hash as we go. */
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < blob_count; i++) {
            if (lengths[i] <= offset) {
                continue;
            }
            if (kept >= expected ||
                memcmp(blobs[i] + offset, parents + kept * DIGEST_SIZE, DIGEST_SIZE) != 0) {
                wrong = level;
            }
            blobs[kept] = blobs[i];
            lengths[kept] = lengths[i];
            kept += 1;
        }
        blob_count = kept;
        if (wrong >= 0 || kept != expected) {
            wrong = level;
            break;
        }
        if (kept == 0) {
            break; /* nothing new above this level in this chunk */
        }
        /* The stored hashes (equal to the parents) are the next level's nodes. */
        memcpy(nodes, parents, kept * DIGEST_SIZE);
        count = kept;
        level += 1;
    }
    PyBuffer_Release(&given);
    PyMem_Free(blobs);
    PyMem_Free(lengths);
    PyMem_Free(nodes);
    PyMem_Free(parents);
    EVP_MD_CTX_free(context);
    if (failed) {
        return NULL;
    }
    return PyLong_FromLong(wrong);
}

static PyMethodDef methods[] = {
    {"chain_leaves", chain_leaves, METH_VARARGS,
     "chain_leaves(rows, last, expected) -> bytes | None: the leaf hashes of a chunk of "
     "rows that all pass the walker's fast path, or None (the walker walks it itself)."},
    {"check_levels", check_levels, METH_VARARGS,
     "check_levels(nodes, blobs, level, base, top, unpaired) -> int: tree_check.py's level "
     "check in one call; -1, or the level whose parents are wrong."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_verify_kernels",
    "The verifier's hot loop: canonical entries, chain digests and leaf hashes in C.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__verify_kernels(void) {
    fetch_sha256();
    return PyModule_Create(&module);
}
