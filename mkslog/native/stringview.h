/* Arrow string views as mkslog's C loops read and write them: 16 bytes per string, an int32
 * length, then up to 12 bytes of the string inline, or its first 4 bytes, the index of the data
 * buffer holding it and its offset there.
 */
#ifndef MKSLOG_STRINGVIEW_H
#define MKSLOG_STRINGVIEW_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *text;   /* the string's bytes */
    const uint8_t *limit;  /* the end of the memory holding them (reads up to it are safe) */
    int32_t len, index, start;  /* its length; for a long string its buffer and offset (else 0) */
} ViewText;

/* The string of the view at ``view``, over ``data`` (``n_buffers`` buffers; ``views_end``: the end
 * of the views, which hold the short strings); 0, or -1 when the view points outside them. */
static inline int view_text(const uint8_t *view, const Py_buffer *data, Py_ssize_t n_buffers,
                            const uint8_t *views_end, ViewText *out) {
    memcpy(&out->len, view, 4);
    out->index = out->start = 0;
    if (out->len < 0)
        return -1;
    if (out->len <= 12) {
        out->text = view + 4;
        out->limit = views_end;
        return 0;
    }
    memcpy(&out->index, view + 8, 4);
    memcpy(&out->start, view + 12, 4);
    if (out->index < 0 || out->index >= n_buffers || out->start < 0
        || (Py_ssize_t)out->start + out->len > data[out->index].len)
        return -1;
    out->text = (const uint8_t *)data[out->index].buf + out->start;
    out->limit = (const uint8_t *)data[out->index].buf + data[out->index].len;
    return 0;
}

/* Writes the view of ``len`` bytes at ``value``, which lie in buffer ``index`` at ``offset`` (used
 * when longer than 12 bytes; shorter ones are copied into the view). */
static inline void put_view(uint8_t *out, const uint8_t *value, int32_t len, int32_t index, int32_t offset) {
    memset(out, 0, 16);
    memcpy(out, &len, 4);
    if (len <= 12) {
        memcpy(out + 4, value, (size_t)len);
    } else {
        memcpy(out + 4, value, 4);
        memcpy(out + 8, &index, 4);
        memcpy(out + 12, &offset, 4);
    }
}

#endif
