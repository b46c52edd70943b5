/* What both compiled verifier modules share: an event's canonical entry bytes, built
 * exactly as leadreview/audit/canonical.py `row_entries` builds them (formats 1 and 2),
 * and SHA-256 through libcrypto. Included by `_verify_kernels.c` (rows as Python
 * tuples) and `_verify_sqlite.c` (rows read through the SQLite C API); everything here
 * is static, so each module carries its own copy and neither links the other.
 *
 * Memory comes from PyMem_Raw*, which needs no GIL: the SQLite reader may run without it.
 */
#ifndef LEADREVIEW_VERIFY_ENTRY_H
#define LEADREVIEW_VERIFY_ENTRY_H

#include <Python.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define DIGEST_SIZE 32

typedef struct {
    char *data;
    size_t size;
    size_t capacity;
} Buffer;

static int buffer_reserve(Buffer *buffer, size_t more) {
    if (buffer->size + more <= buffer->capacity) {
        return 0;
    }
    size_t capacity = buffer->capacity ? buffer->capacity : 1024;
    while (capacity < buffer->size + more) {
        capacity *= 2;
    }
    char *grown = PyMem_RawRealloc(buffer->data, capacity);
    if (grown == NULL) {
        return -1;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return 0;
}

static int append(Buffer *buffer, const char *text, size_t length) {
    if (buffer_reserve(buffer, length) < 0) {
        return -1;
    }
    if (length > 0) {
        memcpy(buffer->data + buffer->size, text, length);
    }
    buffer->size += length;
    return 0;
}

#define APPEND_LITERAL(buffer, literal) append((buffer), (literal), sizeof(literal) - 1)

/* A column's UTF-8 text (not NUL-terminated). */
typedef struct {
    const char *text;
    Py_ssize_t length;
} Text;

/* A label may hold neither a quote nor a backslash (UTF-8 continuation bytes never
 * equal either, so a byte search is exact). */
static int clean_label(const Text *label) {
    return memchr(label->text, '"', (size_t)label->length) == NULL &&
           memchr(label->text, '\\', (size_t)label->length) == NULL;
}

static int append_text(Buffer *buffer, const Text *value) {
    return append(buffer, value->text, (size_t)value->length);
}

static const char HEX[] = "0123456789abcdef";

/* Whether `digest` is the lowercase hex of `computed`, as Python's hexdigest() compares. */
static int hex_equals(const Text *digest, const unsigned char *computed) {
    if (digest->length != 2 * DIGEST_SIZE) {
        return 0;
    }
    for (int k = 0; k < DIGEST_SIZE; k++) {
        if (digest->text[2 * k] != HEX[computed[k] >> 4] ||
            digest->text[2 * k + 1] != HEX[computed[k] & 15]) {
            return 0;
        }
    }
    return 1;
}

/* SHA-256 fetched once: `EVP_sha256()` makes each EVP_DigestInit look the algorithm up
 * again (OpenSSL 3), which costs two thirds as much as hashing an event. */
static const EVP_MD *sha256_md = NULL;

static void fetch_sha256(void) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
#endif
    if (sha256_md == NULL) {
        sha256_md = EVP_sha256();
    }
}

static int sha256(EVP_MD_CTX *context, const char *data, size_t length, unsigned char *out) {
    return EVP_DigestInit_ex(context, sha256_md, NULL) &&
           EVP_DigestUpdate(context, data, length) && EVP_DigestFinal_ex(context, out, NULL);
}

/* The parents of `count` 32-byte nodes (count even) into `out`; 0 on a libcrypto failure. */
static int hash_pairs(EVP_MD_CTX *context, const unsigned char *nodes, Py_ssize_t count,
                      unsigned char *out) {
    static const unsigned char interior = 0x01;
    for (Py_ssize_t i = 0; i < count / 2; i++) {
        if (!(EVP_DigestInit_ex(context, sha256_md, NULL) &&
              EVP_DigestUpdate(context, &interior, 1) &&
              EVP_DigestUpdate(context, nodes + i * 2 * DIGEST_SIZE, 2 * DIGEST_SIZE) &&
              EVP_DigestFinal_ex(context, out + i * DIGEST_SIZE, NULL))) {
            return 0;
        }
    }
    return 1;
}

/* An event's columns, as text, for its entry. */
typedef struct {
    long long seq;
    long version; /* 1 or 2 */
    Text time, actor, role, event_type, payload, prev, digest, auth, login;
} EventText;

/* What the walker's fast path asks of the labels and of format 2's auth and login
 * (the digest, link and sequence number are the caller's to compare). */
static int labels_pass(const EventText *event) {
    if (event->version == 2 && (event->auth.length == 0 || event->login.length == 0)) {
        return 0;
    }
    const Text *labels[] = {&event->actor, &event->event_type, &event->role, &event->time,
                            &event->prev,  &event->auth,       &event->login};
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (!clean_label(labels[i])) {
            return 0;
        }
    }
    return 1;
}

/* The entry of `event` into `buffer` after its first byte (kept for the leaf's 0x00);
 * 0 when built, -1 on a memory error. */
static int build_entry_text(const EventText *event, Buffer *buffer) {
    char seq_text[32];
    int seq_length = snprintf(seq_text, sizeof(seq_text), "%lld", event->seq);
    buffer->size = 1; /* byte 0 is the leaf's 0x00 prefix */
    int ok;
    if (event->version == 1) {
        ok = APPEND_LITERAL(buffer, "{\"actor\":\"") == 0 &&
             append_text(buffer, &event->actor) == 0 &&
             APPEND_LITERAL(buffer, "\",\"event_type\":\"") == 0 &&
             append_text(buffer, &event->event_type) == 0 &&
             APPEND_LITERAL(buffer, "\",\"payload\":") == 0 &&
             append_text(buffer, &event->payload) == 0 &&
             APPEND_LITERAL(buffer, ",\"prev_digest\":\"") == 0 &&
             append_text(buffer, &event->prev) == 0 &&
             APPEND_LITERAL(buffer, "\",\"role\":\"") == 0 &&
             append_text(buffer, &event->role) == 0 &&
             APPEND_LITERAL(buffer, "\",\"seq\":") == 0 &&
             append(buffer, seq_text, (size_t)seq_length) == 0 &&
             APPEND_LITERAL(buffer, ",\"time\":\"") == 0 &&
             append_text(buffer, &event->time) == 0 && APPEND_LITERAL(buffer, "\"}") == 0;
    } else {
        ok = APPEND_LITERAL(buffer, "{\"actor\":\"") == 0 &&
             append_text(buffer, &event->actor) == 0 &&
             APPEND_LITERAL(buffer, "\",\"auth\":\"") == 0 &&
             append_text(buffer, &event->auth) == 0 &&
             APPEND_LITERAL(buffer, "\",\"event_type\":\"") == 0 &&
             append_text(buffer, &event->event_type) == 0 &&
             APPEND_LITERAL(buffer, "\",\"login\":\"") == 0 &&
             append_text(buffer, &event->login) == 0 &&
             APPEND_LITERAL(buffer, "\",\"payload\":") == 0 &&
             append_text(buffer, &event->payload) == 0 &&
             APPEND_LITERAL(buffer, ",\"prev_digest\":\"") == 0 &&
             append_text(buffer, &event->prev) == 0 &&
             APPEND_LITERAL(buffer, "\",\"role\":\"") == 0 &&
             append_text(buffer, &event->role) == 0 &&
             APPEND_LITERAL(buffer, "\",\"seq\":") == 0 &&
             append(buffer, seq_text, (size_t)seq_length) == 0 &&
             APPEND_LITERAL(buffer, ",\"time\":\"") == 0 &&
             append_text(buffer, &event->time) == 0 &&
             APPEND_LITERAL(buffer, "\",\"v\":2}") == 0;
    }
    return ok ? 0 : -1;
}

#endif
