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

/* A column's views and data buffers, held while a loop reads them (with the GIL released). */
typedef struct {
    Py_buffer views;
    Py_buffer *data;
    Py_ssize_t n_buffers, held;  /* data buffers, and how many are held */
    int have_views;
    const uint8_t *first, *end;  /* the view of the column's first string; the end of the views */
} Column;

/* Holds ``views`` (at least ``offset + length`` of them) and the tuple ``buffers``; 0, or -1 with an
 * exception set. Call column_release afterwards, also on failure. */
static inline int column_hold(Column *c, PyObject *views, PyObject *buffers, Py_ssize_t offset, Py_ssize_t length) {
    memset(c, 0, sizeof(*c));
    if (!PyTuple_Check(buffers) || offset < 0 || length < 0) {
        PyErr_SetString(PyExc_ValueError, "buffers must be a tuple; offset and length not negative");
        return -1;
    }
    c->n_buffers = PyTuple_GET_SIZE(buffers);
    c->data = PyMem_Calloc(c->n_buffers ? (size_t)c->n_buffers : 1, sizeof(Py_buffer));
    if (!c->data) {
        PyErr_NoMemory();
        return -1;
    }
    if (PyObject_GetBuffer(views, &c->views, PyBUF_SIMPLE) < 0)
        return -1;
    c->have_views = 1;
    if (c->views.len < (offset + length) * 16) {
        PyErr_SetString(PyExc_ValueError, "views: too short");
        return -1;
    }
    for (; c->held < c->n_buffers; c->held++)
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(buffers, c->held), &c->data[c->held], PyBUF_SIMPLE) < 0)
            return -1;
    c->first = (const uint8_t *)c->views.buf + 16 * offset;
    c->end = (const uint8_t *)c->views.buf + c->views.len;
    return 0;
}

static inline void column_release(Column *c) {
    Py_ssize_t i;
    for (i = 0; i < c->held; i++)
        PyBuffer_Release(&c->data[i]);
    if (c->have_views)
        PyBuffer_Release(&c->views);
    PyMem_Free(c->data);
    memset(c, 0, sizeof(*c));
}

/* The string at position ``i`` of the held column (see view_text). */
static inline int column_text(const Column *c, Py_ssize_t i, ViewText *out) {
    return view_text(c->first + 16 * i, c->data, c->n_buffers, c->end, out);
}

/* The exception of a loop that stopped: ``bad`` 3 when memory ran out, else a view out of bounds. */
static inline void views_failed(int bad) {
    if (bad == 3)
        PyErr_NoMemory();
    else
        PyErr_SetString(PyExc_ValueError, "string view points outside its buffers");
}

#endif
