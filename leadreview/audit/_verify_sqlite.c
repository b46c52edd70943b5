/* One range of a SQLite audit log verified without a Python object per row.
 *
 * `walk_range(uri, first, last, link, chunk_rows, top, sizes)` opens the database file
 * itself through the SQLite C API (read-only, `file:…?mode=ro`, so a WAL database is
 * read with its WAL), reads events `first`…`last` and their audit_merkle rows in one
 * read transaction (one snapshot for both tables), and checks what
 * leadreview/audit/verify_parallel.py's `walk_range` checks through the driver: each
 * event's canonical entry (built as canonical.py builds it), its chain digest, the link
 * to the previous event (`link` for the first, or None: taken as it is, the joiner
 * checks it), consecutive sequence numbers from `first`, a known format, clean labels;
 * each audit_merkle row's leaf against the event's, and the stored tree's levels below
 * `top` chunk by chunk, exactly as tree_check.py's RangeTreeCheck does.
 *
 * It only ever says "intact": it returns the range's state (a tuple the caller turns
 * into a RangeResult) when every row passes, and False when anything does not, without
 * saying what: the caller then walks the whole log sequentially, which names every break
 * in the words the Python walker uses. A column of an unexpected type (a BLOB or NULL
 * where text belongs, TEXT where an integer belongs), text that is not strict UTF-8 (what
 * Python's driver would not decode), a hash blob of the wrong length: all False. None
 * when the database cannot be read this way at all (cannot be opened read-only, another
 * schema, an SQLite error while stepping): the caller walks the range through the
 * driver instead, as it did before this module existed.
 *
 * The walk runs without the GIL (its Python objects are made afterwards): the process
 * that walks one range also feeds the process pool the other ranges go to.
 *
 * A separate extension from `_verify_kernels` (which it shares `_verify_entry.h` with)
 * because it also needs SQLite's headers at build time: without them only this module
 * is skipped, and the libcrypto loop still builds.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sqlite3.h>

#include "_verify_entry.h"
#include "_verify_tree.h"
#include "_verify_utf8.h"

#define BUSY_TIMEOUT_MS 5000

static const char EVENTS_SQL[] =
    "SELECT seq, time, actor, role, event_type, payload, prev_digest, digest, format, auth, "
    "login FROM audit_event WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq";
static const char TREE_SQL[] =
    "SELECT seq, hashes FROM audit_merkle WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq";

/* Column `column` as text, when it is TEXT holding strict UTF-8. */
static int column_text(sqlite3_stmt *statement, int column, Text *out) {
    if (sqlite3_column_type(statement, column) != SQLITE_TEXT) {
        return 0;
    }
    const unsigned char *text = sqlite3_column_text(statement, column);
    int length = sqlite3_column_bytes(statement, column);
    if (text == NULL && length == 0) {
        text = (const unsigned char *)"";
    }
    if (text == NULL || !valid_utf8(text, (size_t)length)) {
        return 0; /* out of memory too: the sequential walk then reads it */
    }
    out->text = (const char *)text;
    out->length = length;
    return 1;
}

/* The event row `statement` is on, when every column has the type the walker's fast
 * path accepts. */
static int read_event(sqlite3_stmt *statement, EventText *event) {
    if (sqlite3_column_type(statement, 0) != SQLITE_INTEGER ||
        sqlite3_column_type(statement, 8) != SQLITE_INTEGER) {
        return 0;
    }
    event->seq = sqlite3_column_int64(statement, 0);
    sqlite3_int64 version = sqlite3_column_int64(statement, 8);
    if (version != 1 && version != 2) {
        return 0;
    }
    event->version = (long)version;
    if (!column_text(statement, 1, &event->time) || !column_text(statement, 2, &event->actor) ||
        !column_text(statement, 3, &event->role) ||
        !column_text(statement, 4, &event->event_type) ||
        !column_text(statement, 5, &event->payload) || !column_text(statement, 6, &event->prev) ||
        !column_text(statement, 7, &event->digest)) {
        return 0;
    }
    /* Format 1 does not seal auth and login; the walker checks them as labels (NULL
     * reads as None, a clean label). Format 2 needs both as text (labels_pass: non-empty). */
    Text *optional[] = {&event->auth, &event->login};
    for (int k = 0; k < 2; k++) {
        int column = 9 + k;
        *optional[k] = (Text){"", 0};
        int type = sqlite3_column_type(statement, column);
        if (type == SQLITE_NULL && event->version == 1) {
            continue;
        }
        if (!column_text(statement, column, optional[k])) {
            return 0;
        }
    }
    return labels_pass(event);
}

/* Everything one walk holds; freed by `walk_free`. */
typedef struct {
    sqlite3 *db;
    sqlite3_stmt *events;
    sqlite3_stmt *tree;
    EVP_MD_CTX *context;
    Buffer entry;
    TreeChunk chunk;
    unsigned char *nodes;
    unsigned char *parents;
    Levels levels;
    /* Kept in C while the GIL is released, made Python objects afterwards: */
    char (*seen)[2 * DIGEST_SIZE]; /* the stored digest at each checkpoint size… */
    char *seen_found;              /* …where the range holds that size */
    Buffer upper;                  /* each row's hashes from level `top` up, joined… */
    Buffer upper_lengths;          /* …and their lengths (size_t each) */
} Walk;

static void walk_free(Walk *walk) {
    sqlite3_finalize(walk->events);
    sqlite3_finalize(walk->tree);
    if (walk->db != NULL) {
        sqlite3_exec(walk->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(walk->db);
    }
    EVP_MD_CTX_free(walk->context);
    PyMem_RawFree(walk->entry.data);
    PyMem_RawFree(walk->chunk.data.data);
    PyMem_RawFree(walk->chunk.offsets);
    PyMem_RawFree(walk->chunk.lengths);
    PyMem_RawFree(walk->chunk.blobs);
    PyMem_RawFree(walk->nodes);
    PyMem_RawFree(walk->parents);
    PyMem_RawFree(walk->seen);
    PyMem_RawFree(walk->seen_found);
    PyMem_RawFree(walk->upper.data);
    PyMem_RawFree(walk->upper_lengths.data);
}

/* Outcomes of a step of the walk. */
enum { BROKEN = 0, PASSED = 1, UNREADABLE = -1, NO_MEMORY = -2, CRYPTO_FAILED = -3 };

static int open_walk(Walk *walk, const char *uri, long long first, long long last,
                     Py_ssize_t chunk_rows, Py_ssize_t size_count) {
    int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(uri, &walk->db, flags, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(walk->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
        /* One read transaction: both tables from one snapshot. */
        sqlite3_exec(walk->db, "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(walk->db, EVENTS_SQL, -1, &walk->events, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(walk->db, TREE_SQL, -1, &walk->tree, NULL) != SQLITE_OK ||
        sqlite3_bind_int64(walk->events, 1, first) != SQLITE_OK ||
        sqlite3_bind_int64(walk->events, 2, last) != SQLITE_OK ||
        sqlite3_bind_int64(walk->tree, 1, first) != SQLITE_OK ||
        sqlite3_bind_int64(walk->tree, 2, last) != SQLITE_OK) {
        return UNREADABLE;
    }
    size_t rows = (size_t)chunk_rows;
    walk->context = EVP_MD_CTX_new();
    walk->chunk.offsets = PyMem_RawMalloc(rows * sizeof(size_t));
    walk->chunk.lengths = PyMem_RawMalloc(rows * sizeof(size_t));
    walk->chunk.blobs = PyMem_RawMalloc(rows * sizeof(unsigned char *));
    walk->nodes = PyMem_RawMalloc((rows + 1) * DIGEST_SIZE);
    walk->parents = PyMem_RawMalloc((rows / 2 + 1) * DIGEST_SIZE);
    walk->seen = PyMem_RawMalloc((size_t)(size_count + 1) * sizeof(*walk->seen));
    walk->seen_found = PyMem_RawCalloc((size_t)size_count + 1, 1);
    if (walk->context == NULL || walk->chunk.offsets == NULL || walk->chunk.lengths == NULL ||
        walk->chunk.blobs == NULL || walk->nodes == NULL || walk->parents == NULL ||
        walk->seen == NULL || walk->seen_found == NULL ||
        buffer_reserve(&walk->entry, 1024) < 0) {
        return NO_MEMORY;
    }
    walk->entry.data[0] = 0x00;
    return PASSED;
}

/* The audit_merkle row beside event `seq`: its leaf must be `leaf`; its hashes join
 * the chunk. */
static int read_tree_row(Walk *walk, long long seq, const unsigned char *leaf) {
    int step = sqlite3_step(walk->tree);
    if (step == SQLITE_DONE) {
        return BROKEN; /* fewer audit_merkle rows than events */
    }
    if (step != SQLITE_ROW) {
        return UNREADABLE;
    }
    if (sqlite3_column_type(walk->tree, 0) != SQLITE_INTEGER ||
        sqlite3_column_int64(walk->tree, 0) != seq ||
        sqlite3_column_type(walk->tree, 1) != SQLITE_BLOB) {
        return BROKEN;
    }
    const void *hashes = sqlite3_column_blob(walk->tree, 1);
    size_t length = (size_t)sqlite3_column_bytes(walk->tree, 1);
    if (hashes == NULL || length == 0 || length % DIGEST_SIZE != 0 ||
        memcmp(hashes, leaf, DIGEST_SIZE) != 0) {
        return BROKEN;
    }
    TreeChunk *chunk = &walk->chunk;
    /* The chunk's leaves are level 0's nodes. */
    memcpy(walk->nodes + chunk->rows * DIGEST_SIZE, leaf, DIGEST_SIZE);
    chunk->offsets[chunk->rows] = chunk->data.size;
    chunk->lengths[chunk->rows] = length;
    chunk->rows += 1;
    return append(&chunk->data, hashes, length) < 0 ? NO_MEMORY : PASSED;
}

/* The chunk's levels checked, its hashes from level `top` up kept for the joiner. */
static int finish_chunk(Walk *walk) {
    TreeChunk *chunk = &walk->chunk;
    if (chunk->rows == 0) {
        return PASSED;
    }
    int checked = check_chunk_levels(walk->context, &walk->levels, chunk, walk->nodes,
                                     walk->parents);
    if (checked != PASSED) {
        return checked < 0 ? CRYPTO_FAILED : BROKEN;
    }
    /* check_chunk_levels reorders `blobs`; the rows' own places are in `offsets`. */
    size_t cut = (size_t)DIGEST_SIZE * (size_t)walk->levels.top;
    for (Py_ssize_t i = 0; i < chunk->rows; i++) {
        size_t end = i + 1 < chunk->rows ? chunk->offsets[i + 1] : chunk->data.size;
        size_t length = end - chunk->offsets[i];
        if (length > cut) {
            size_t part = length - cut;
            if (append(&walk->upper, chunk->data.data + chunk->offsets[i] + cut, part) < 0 ||
                append(&walk->upper_lengths, (const char *)&part, sizeof(part)) < 0) {
                return NO_MEMORY;
            }
        }
    }
    chunk->rows = 0;
    chunk->data.size = 0;
    return PASSED;
}

/* The state the range ends in, as `ChainWalker.state()` and RangeTreeCheck give it. */
typedef struct {
    long long count;
    char first_prev[2 * DIGEST_SIZE];
    Py_ssize_t first_prev_length;
    char last[2 * DIGEST_SIZE];
} Ending;

static int walk_rows(Walk *walk, long long first, const Text *link, Py_ssize_t chunk_rows,
                     const long long *sizes, Py_ssize_t size_count, Ending *ending) {
    char previous[2 * DIGEST_SIZE];
    Py_ssize_t previous_length = -1; /* unknown until the first row: taken as it is */
    if (link != NULL) {
        if (link->length != 2 * DIGEST_SIZE) {
            return BROKEN;
        }
        memcpy(previous, link->text, 2 * DIGEST_SIZE);
        previous_length = link->length;
    }
    Py_ssize_t next_size = 0;
    for (long long seq = first;; seq++) {
        int step = sqlite3_step(walk->events);
        if (step == SQLITE_DONE) {
            break;
        }
        if (step != SQLITE_ROW) {
            return UNREADABLE;
        }
        EventText event;
        if (!read_event(walk->events, &event) || event.seq != seq) {
            return BROKEN;
        }
        if (event.prev.length != 2 * DIGEST_SIZE) {
            return BROKEN; /* a link of any other length is wrong (the walker words it) */
        }
        if (ending->count == 0) {
            memcpy(ending->first_prev, event.prev.text, 2 * DIGEST_SIZE);
            ending->first_prev_length = event.prev.length;
        }
        if (previous_length < 0) {
            memcpy(previous, event.prev.text, 2 * DIGEST_SIZE);
            previous_length = event.prev.length;
        }
        if (build_entry_text(&event, &walk->entry) < 0) {
            return NO_MEMORY;
        }
        unsigned char computed[DIGEST_SIZE], leaf[DIGEST_SIZE];
        if (!sha256(walk->context, walk->entry.data + 1, walk->entry.size - 1, computed) ||
            !sha256(walk->context, walk->entry.data, walk->entry.size, leaf)) {
            return CRYPTO_FAILED;
        }
        if (event.prev.length != previous_length ||
            memcmp(event.prev.text, previous, (size_t)previous_length) != 0 ||
            !hex_equals(&event.digest, computed)) {
            return BROKEN;
        }
        /* The column's text is gone at the next step: the link is kept by value. */
        memcpy(previous, event.digest.text, 2 * DIGEST_SIZE);
        while (next_size < size_count && sizes[next_size] < seq) {
            next_size += 1;
        }
        if (next_size < size_count && sizes[next_size] == seq) {
            memcpy(walk->seen[next_size], event.digest.text, 2 * DIGEST_SIZE);
            walk->seen_found[next_size] = 1;
        }
        int tree = read_tree_row(walk, seq, leaf);
        if (tree != PASSED) {
            return tree;
        }
        ending->count += 1;
        if (walk->chunk.rows == chunk_rows && (tree = finish_chunk(walk)) != PASSED) {
            return tree;
        }
    }
    int tree = finish_chunk(walk);
    if (tree != PASSED) {
        return tree;
    }
    int step = sqlite3_step(walk->tree);
    if (step == SQLITE_ROW) {
        return BROKEN; /* more audit_merkle rows than events */
    }
    if (step != SQLITE_DONE) {
        return UNREADABLE;
    }
    if (ending->count == 0) {
        return BROKEN; /* a range holds at least one event; the joiner names the gap */
    }
    memcpy(ending->last, previous, 2 * DIGEST_SIZE);
    return PASSED;
}

/* (count, first_prev, last, seen, tree_rows, upper): the intact range's state. */
static PyObject *range_state(const Walk *walk, const Ending *ending, const long long *sizes,
                             Py_ssize_t size_count) {
    PyObject *seen = PyDict_New();
    PyObject *upper = PyList_New(0);
    int failed = seen == NULL || upper == NULL;
    for (Py_ssize_t i = 0; !failed && i < size_count; i++) {
        if (!walk->seen_found[i]) {
            continue;
        }
        PyObject *size = PyLong_FromLongLong(sizes[i]);
        PyObject *digest = PyUnicode_FromStringAndSize(walk->seen[i], 2 * DIGEST_SIZE);
        failed = size == NULL || digest == NULL || PyDict_SetItem(seen, size, digest) < 0;
        Py_XDECREF(size);
        Py_XDECREF(digest);
    }
    size_t parts = walk->upper_lengths.size / sizeof(size_t);
    const char *data = walk->upper.data;
    for (size_t i = 0; !failed && i < parts; i++) {
        size_t length;
        memcpy(&length, walk->upper_lengths.data + i * sizeof(size_t), sizeof(length));
        PyObject *part = PyBytes_FromStringAndSize(data, (Py_ssize_t)length);
        failed = part == NULL || PyList_Append(upper, part) < 0;
        Py_XDECREF(part);
        data += length;
    }
    PyObject *result = NULL;
    if (!failed) {
        result = Py_BuildValue("(Ls#s#OLO)", ending->count, ending->first_prev,
                               ending->first_prev_length, ending->last,
                               (Py_ssize_t)(2 * DIGEST_SIZE), seen, ending->count, upper);
    }
    Py_XDECREF(seen);
    Py_XDECREF(upper);
    return result;
}

/* `sizes` as a sorted C array of the checkpoint sizes (the caller sorts them). */
static long long *read_sizes(PyObject *list, Py_ssize_t *count) {
    *count = PyList_GET_SIZE(list);
    long long *sizes = PyMem_RawMalloc((*count + 1) * sizeof(long long));
    if (sizes == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *count; i++) {
        sizes[i] = PyLong_AsLongLong(PyList_GET_ITEM(list, i));
        if (sizes[i] == -1 && PyErr_Occurred()) {
            PyMem_RawFree(sizes);
            return NULL;
        }
        if (i > 0 && sizes[i] < sizes[i - 1]) {
            PyMem_RawFree(sizes);
            PyErr_SetString(PyExc_ValueError, "walk_range needs the checkpoint sizes sorted");
            return NULL;
        }
    }
    return sizes;
}

static PyObject *walk_range(PyObject *self, PyObject *args) {
    const char *uri;
    long long first, last;
    PyObject *link_object, *size_list;
    Py_ssize_t chunk_rows;
    long top;
    (void)self;
    if (!PyArg_ParseTuple(args, "sLLOnlO!", &uri, &first, &last, &link_object, &chunk_rows, &top,
                          &PyList_Type, &size_list)) {
        return NULL;
    }
    if (first < 1 || last < first || chunk_rows < 1 || top < 0 || top >= MAX_LEVELS) {
        PyErr_SetString(PyExc_ValueError, "walk_range: a range 1 <= first <= last, "
                                          "chunk_rows >= 1 and 0 <= top < 64");
        return NULL;
    }
    Text link_text;
    const Text *link = NULL;
    if (link_object != Py_None) {
        link_text.text = PyUnicode_Check(link_object)
                             ? PyUnicode_AsUTF8AndSize(link_object, &link_text.length)
                             : NULL;
        if (link_text.text == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "walk_range: link must be a str or None");
            }
            return NULL;
        }
        link = &link_text;
    }
    Py_ssize_t size_count;
    long long *sizes = read_sizes(size_list, &size_count);
    if (sizes == NULL) {
        return NULL;
    }
    Walk walk = {0};
    walk.levels.top = top;
    Ending ending = {0};
    int outcome;
    /* Without the GIL: verify_parallel.py's process pool is fed by threads of this
     * process, so holding it here kept the other range's process waiting for its work
     * until this range was done (the two ran one after the other). */
    Py_BEGIN_ALLOW_THREADS
    outcome = open_walk(&walk, uri, first, last, chunk_rows, size_count);
    if (outcome == PASSED) {
        outcome = walk_rows(&walk, first, link, chunk_rows, sizes, size_count, &ending);
    }
    Py_END_ALLOW_THREADS
    PyObject *result = NULL;
    if (outcome == PASSED) {
        result = range_state(&walk, &ending, sizes, size_count);
    } else if (outcome == BROKEN) {
        result = Py_NewRef(Py_False);
    } else if (outcome == UNREADABLE) {
        result = Py_NewRef(Py_None);
    } else if (outcome == NO_MEMORY) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
    } else {
        PyErr_SetString(PyExc_RuntimeError, "libcrypto's SHA-256 failed");
    }
    PyMem_RawFree(sizes);
    walk_free(&walk);
    return result;
}

static PyMethodDef methods[] = {
    {"walk_range", walk_range, METH_VARARGS,
     "walk_range(uri, first, last, link, chunk_rows, top, sizes) -> tuple | False | None: "
     "(count, first_prev, last, seen, tree_rows, upper) of an intact range; False when "
     "anything in it is not; None when SQLite cannot read it this way."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_verify_sqlite",
    "A range of a SQLite audit log read and verified in C, without Python rows.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__verify_sqlite(void) {
    fetch_sha256();
    return PyModule_Create(&module);
}
