/* The stored Merkle tree's levels checked in C for the SQLite reader: tree_check.py's
 * `_LevelChecker._check_levels` from level 0 up to the ranges' alignment, over rows
 * kept in C (the reader makes no Python object per row). */
#ifndef LEADREVIEW_VERIFY_TREE_H
#define LEADREVIEW_VERIFY_TREE_H

#include "_verify_entry.h"

#define MAX_LEVELS 64

/* The stored tree's check below `top`, tree_check.py's `_LevelChecker._check_levels`
 * from level 0 with the last unpaired node of each level carried between chunks. */
typedef struct {
    long top;
    unsigned char unpaired[MAX_LEVELS][DIGEST_SIZE];
    char has_unpaired[MAX_LEVELS];
} Levels;

/* The rows of a chunk: each audit_merkle row's hashes, one after another in `data`. */
typedef struct {
    Buffer data;
    size_t *offsets;
    size_t *lengths;
    const unsigned char **blobs;
    Py_ssize_t rows;
} TreeChunk;

/* 1 when every stored hash of the chunk below `top` is the parent it must be, 0 when
 * one is not, -1 on a libcrypto failure. `nodes` holds the chunk's leaves (overwritten)
 * with room for one more; `parents` room for half as many plus one. */
static int check_chunk_levels(EVP_MD_CTX *context, Levels *levels, TreeChunk *chunk,
                              unsigned char *nodes, unsigned char *parents) {
    Py_ssize_t count = chunk->rows;
    Py_ssize_t blob_count = chunk->rows;
    for (Py_ssize_t i = 0; i < blob_count; i++) {
        chunk->blobs[i] = (const unsigned char *)chunk->data.data + chunk->offsets[i];
    }
    for (long level = 0; count > 0 && level < levels->top; level++) {
        if (levels->has_unpaired[level]) {
            memmove(nodes + DIGEST_SIZE, nodes, count * DIGEST_SIZE);
            memcpy(nodes, levels->unpaired[level], DIGEST_SIZE);
            levels->has_unpaired[level] = 0;
            count += 1;
        }
        if (count & 1) {
            memcpy(levels->unpaired[level], nodes + (count - 1) * DIGEST_SIZE, DIGEST_SIZE);
            levels->has_unpaired[level] = 1;
            count -= 1;
        }
        if (!hash_pairs(context, nodes, count, parents)) {
            return -1;
        }
        Py_ssize_t expected = count / 2;
        size_t offset = (size_t)DIGEST_SIZE * (size_t)(level + 1);
        Py_ssize_t kept = 0;
        for (Py_ssize_t i = 0; i < blob_count; i++) {
            if (chunk->lengths[i] <= offset) {
                continue;
            }
            if (kept >= expected ||
                memcmp(chunk->blobs[i] + offset, parents + kept * DIGEST_SIZE, DIGEST_SIZE) != 0) {
                return 0;
            }
            chunk->blobs[kept] = chunk->blobs[i];
            chunk->lengths[kept] = chunk->lengths[i];
            kept += 1;
        }
        if (kept != expected) {
            return 0;
        }
        blob_count = kept;
        memcpy(nodes, parents, kept * DIGEST_SIZE);
        count = kept;
    }
    return 1;
}

#endif
