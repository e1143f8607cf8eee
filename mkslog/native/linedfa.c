/* Byte DFAs over the lines of an Arrow string-view array: which lines a format's regex matches.
 *
 * The tables come from mkslog/formats/linematch.py (state 0 dead, the special states next). A state whose
 * only exits are one to three bytes jumps to the next of them, sixteen bytes per compare where
 * the CPU has SSE2: the quoted user agent and referer, most of an access line, are such a state
 * (its exit bytes are spread over sixteen lanes once per call, not at every jump: 0.75x the loop's
 * time). The rows are walked from a two-byte copy of the table where every row fits.
 * The lines are read where polars keeps them (string views: a 16-byte view per line, short lines
 * inline), the GIL is released while the loop runs, and the answer is an Arrow validity-style
 * bitmap (bit i: line i matches) and the count of matching lines.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "stringview.h"

typedef struct {
    const uint8_t *classes;   /* 256: the class of each byte */
    const uint32_t *next;     /* states x n_classes: the next state times n_classes (its row) */
    const uint16_t *narrow;   /* the same rows in two bytes, when every row fits (else NULL) */
    const uint8_t *accept;    /* by row (a state's row offset): whether the state accepts */
    const uint8_t *accel;     /* by row, special rows only: 4 bytes: count (255: none), three exit bytes */
#ifdef __SSE2__
    const __m128i *exits;     /* by row, special rows only: each exit byte in all sixteen lanes (three) */
#endif
    uint32_t n_classes;
    uint32_t start;           /* the start state's row */
    uint32_t special;         /* rows below: the dead state, accelerated states, early accepts */
    int whole;
} Dfa;

/* The first byte at or after p that is one of the state's exits (end when none is). Sixteen
 * bytes are compared at a time while they lie within ``limit`` (the end of the buffer holding
 * the line), also past the line's end: most runs (an address, a "-") are shorter than sixteen. */
static inline const uint8_t *skip(const uint8_t *p, const uint8_t *end, const uint8_t *limit,
                                  const uint8_t *acc, const void *vectors) {
    if (acc[0] == 0)
        return end;
#ifdef __SSE2__
    const __m128i *v = vectors, a = v[0], b = v[1], c = v[2];
    while (p < end && limit - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)p);
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, a), _mm_cmpeq_epi8(x, b)),
                                   _mm_cmpeq_epi8(x, c));
        int mask = _mm_movemask_epi8(hit);
        if (mask) {
            const uint8_t *q = p + __builtin_ctz((unsigned)mask);
            return q < end ? q : end;
        }
        p += 16;
    }
    if (p >= end)
        return end;
#endif
    while (p < end && *p != acc[1] && *p != acc[2] && *p != acc[3])
        p++;
    return p;
}

/* A line being walked: lines are walked two at a time, each in its own lane, so that the CPU
 * overlaps the two chains of table loads (one step waits for the previous one's load). */
typedef struct {
    const uint8_t *p, *end, *limit; /* the line's next byte, its end, the end of its buffer */
    uint32_t row;
    Py_ssize_t line, stop;       /* the line walked, and where the lane's lines end */
} Lane;

typedef struct {
    const Dfa *dfa;
    const Column *lines;
    Py_ssize_t matched;
    uint8_t *bits;
    int bad;                     /* a view pointed outside its buffers */
} Walk;

/* Puts the lane on its next line; 0 when it has none left (or a view is bad). */
static int load(Walk *w, Lane *l) {
    if (l->line >= l->stop || w->bad)
        return 0;
    ViewText t;
    if (column_text(w->lines, l->line, &t) < 0) {
        w->bad = 1;
        return 0;
    }
    l->p = t.text;
    l->limit = t.limit;
    l->end = t.text + t.len;
    l->row = w->dfa->start;
    return 1;
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The row after ``row`` on byte ``c``: a table of two-byte rows, where every row fits, takes half
 * the first-level cache the four-byte one does (a 167-state access DFA: 14 against 27 KiB). The
 * walk is compiled once for each width (``narrow`` is a constant where it is inlined). */
static ALWAYS_INLINE uint32_t step(const Dfa *d, int narrow, uint32_t row, uint8_t c) {
    return narrow ? d->narrow[row + d->classes[c]] : d->next[row + d->classes[c]];
}

/* Brings the lane to a state it can step from: through its special states (a jump, the dead
 * state, an early accept) and the ends of its lines, whose answers it records. 0 when the lane
 * has no lines left. */
static ALWAYS_INLINE int settle(Walk *w, Lane *l, int narrow) {
    const Dfa *d = w->dfa;
    for (;;) {
        int answer = -1;
        if (l->row < d->special) {
            const uint8_t *acc = d->accel + 4 * l->row;
            if (l->row == 0)
                answer = 0;
            else if (!d->whole && d->accept[l->row])
                answer = 1;
            else if (acc[0] != 255)
#ifdef __SSE2__
                l->p = skip(l->p, l->end, l->limit, acc, d->exits + 3 * l->row);
#else
                l->p = skip(l->p, l->end, l->limit, acc, NULL);
#endif
        }
        if (answer < 0 && l->p == l->end)
            answer = d->accept[l->row];
        if (answer < 0) {
            if (l->row >= d->special)
                return 1;
            l->row = step(d, narrow, l->row, *l->p++);  /* leave the jump's stop byte */
            continue;
        }
        if (answer) {
            w->bits[l->line >> 3] |= (uint8_t)(1u << (l->line & 7));
            w->matched++;
        }
        l->line++;
        if (!load(w, l))
            return 0;
    }
}

static ALWAYS_INLINE void walk_rows(Walk *w, Py_ssize_t length, int narrow) {
    const Dfa *d = w->dfa;
    const uint32_t special = d->special;
    Lane a = {NULL, NULL, NULL, 0, 0, length / 2}, b = {NULL, NULL, NULL, 0, length / 2, length};
    int on_a = load(w, &a) && settle(w, &a, narrow), on_b = load(w, &b) && settle(w, &b, narrow);
    while (on_a && on_b) {
        do {
            a.row = step(d, narrow, a.row, *a.p++);
            b.row = step(d, narrow, b.row, *b.p++);
        } while (a.row >= special && b.row >= special && a.p != a.end && b.p != b.end);
        if (a.row < special || a.p == a.end)
            on_a = settle(w, &a, narrow);
        if (b.row < special || b.p == b.end)
            on_b = settle(w, &b, narrow);
    }
    Lane *last = on_a ? &a : &b;
    if (!(on_a || on_b))
        return;
    do {
        do
            last->row = step(d, narrow, last->row, *last->p++);
        while (last->row >= special && last->p != last->end);
    } while (settle(w, last, narrow));
}

static void walk(Walk *w, Py_ssize_t length) {
    if (w->dfa->narrow)
        walk_rows(w, length, 1);
    else
        walk_rows(w, length, 0);
}

static int get(PyObject *obj, Py_buffer *view, Py_ssize_t at_least, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0)
        return -1;
    if (view->len < at_least) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, at least %zd expected", what, view->len, at_least);
        return -1;
    }
    return 0;
}

static PyObject *match_views(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers, *classes_obj, *next_obj, *accept_obj, *accel_obj;
    Py_ssize_t offset, length, n_classes, start, special;
    int whole;
    if (!PyArg_ParseTuple(args, "OO!nnOOnnnOOp", &views_obj, &PyTuple_Type, &buffers, &offset, &length,
                          &classes_obj, &next_obj, &n_classes, &start, &special, &accept_obj, &accel_obj,
                          &whole))
        return NULL;
    if (offset < 0 || length < 0 || n_classes <= 0 || n_classes > 256) {
        PyErr_SetString(PyExc_ValueError, "negative offset or length, or classes out of range");
        return NULL;
    }
    Py_ssize_t i;
    Py_buffer classes, next, accept, accel;
    Column col;
    PyObject *bitmap = NULL, *result = NULL;
    uint8_t *accept_rows = NULL, *accel_rows = NULL;
    void *exit_rows = NULL;
    uint16_t *narrow = NULL;
    int have = 1, bad = 0;
    if (column_hold(&col, views_obj, buffers, offset, length) < 0)
        goto done;
    if (get(classes_obj, &classes, 256, "classes") < 0)
        goto done;
    have = 2;
    if (get(accept_obj, &accept, 2, "accept") < 0)
        goto done;
    have = 3;
    Py_ssize_t n_states = accept.len;
    if (get(next_obj, &next, n_states * n_classes * 4, "next") < 0)
        goto done;
    have = 4;
    if (get(accel_obj, &accel, n_states * 4, "accel") < 0)
        goto done;
    have = 5;
    /* every class and target in range: a bad table must not read outside its arrays */
    for (i = 0; i < 256; i++)
        if (((const uint8_t *)classes.buf)[i] >= n_classes)
            bad = 1;
    for (i = 0; i < n_states * n_classes; i++) {
        uint32_t row = ((const uint32_t *)next.buf)[i];
        if (row % n_classes || row / n_classes >= (uint32_t)n_states)
            bad = 1;
    }
    if (start < 0 || start % n_classes || start / n_classes >= n_states || special < n_classes
        || special > n_states * n_classes)
        bad = 1;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "DFA table out of range");
        goto done;
    }
    bitmap = PyBytes_FromStringAndSize(NULL, (length + 7) / 8);
    if (!bitmap)
        goto done;
    uint8_t *bits = (uint8_t *)PyBytes_AS_STRING(bitmap);
    memset(bits, 0, (length + 7) / 8);
    /* the state's facts at its row offset: the loop then never divides a row by the classes */
    accept_rows = PyMem_Calloc(n_states * n_classes, 1);
    accel_rows = PyMem_Calloc(special, 4);
    if (!accept_rows || !accel_rows) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n_states; i++)
        accept_rows[i * n_classes] = ((const uint8_t *)accept.buf)[i];
    for (i = 0; i < special / n_classes; i++)
        memcpy(accel_rows + 4 * i * n_classes, (const uint8_t *)accel.buf + 4 * i, 4);
    if (n_states * n_classes <= 65536) {  /* the largest row, (n_states - 1) * n_classes, fits */
        narrow = PyMem_Malloc((size_t)(n_states * n_classes) * 2);
        if (!narrow) {
            PyErr_NoMemory();
            goto done;
        }
        for (i = 0; i < n_states * n_classes; i++)
            narrow[i] = (uint16_t)((const uint32_t *)next.buf)[i];
    }
#ifdef __SSE2__
    exit_rows = PyMem_Malloc((size_t)special * 3 * sizeof(__m128i) + 16);
    if (!exit_rows) {
        PyErr_NoMemory();
        goto done;
    }
    __m128i *exits = (__m128i *)(((uintptr_t)exit_rows + 15) & ~(uintptr_t)15);
    for (i = 0; i < special; i += n_classes)
        for (int k = 0; k < 3; k++)
            exits[3 * i + k] = _mm_set1_epi8((char)accel_rows[4 * i + 1 + k]);
    Dfa d = {classes.buf, next.buf, narrow, accept_rows, accel_rows, exits, (uint32_t)n_classes,
             (uint32_t)start, (uint32_t)special, whole};
#else
    Dfa d = {classes.buf, next.buf, narrow, accept_rows, accel_rows, (uint32_t)n_classes, (uint32_t)start,
             (uint32_t)special, whole};
#endif
    Walk w = {&d, &col, 0, bits, 0};
    Py_BEGIN_ALLOW_THREADS
    walk(&w, length);
    Py_END_ALLOW_THREADS
    bad = w.bad;
    Py_ssize_t matched = w.matched;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "string view points outside its buffers");
        goto done;
    }
    result = Py_BuildValue("On", bitmap, matched);
done:
    Py_XDECREF(bitmap);
    if (have >= 5) PyBuffer_Release(&accel);
    if (have >= 4) PyBuffer_Release(&next);
    if (have >= 3) PyBuffer_Release(&accept);
    if (have >= 2) PyBuffer_Release(&classes);
    column_release(&col);
    PyMem_Free(accept_rows);
    PyMem_Free(accel_rows);
    PyMem_Free(exit_rows);
    PyMem_Free(narrow);
    return result;
}

static PyMethodDef methods[] = {
    {"match_views", match_views, METH_VARARGS,
     "match_views(views, buffers, offset, length, classes, next, n_classes, start, special, accept, accel,"
     " whole)"
     " -> (bitmap, matched): run a byte DFA over string views."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "linedfa", "Byte DFAs over string views.", -1, methods,
                                   NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_linedfa(void) { return PyModule_Create(&module); }
