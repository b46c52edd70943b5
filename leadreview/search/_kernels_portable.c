/* The portable loops: any CPU and compiler, and the reference the SIMD loops are tested
 * against (`portable=True`). */
#include "_kernels.h"

#include <stdlib.h>
#include <string.h>

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

void score_portable(Job *job, float *row_buffer) {
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

int score_rows_portable(Job *job) {
    float *row_buffer = malloc((size_t)(job->dim > 0 ? job->dim : 1) * sizeof(float));
    if (row_buffer == NULL) return -1;
    score_portable(job, row_buffer);
    free(row_buffer);
    return 0;
}
