/* Fields cut from plain lines at their quotes and spaces, as Arrow string views: no split structs.
 *
 * The lines are the string views polars holds (mkslog/formats/split.py makes sure every line
 * is valid and plain: its quotes are exactly the format's). A field is described by the part of
 * the line it sits in (between quotes k-1 and k; 0 from the line's start, the last one up to
 * its end), its first and last word in that part (words are separated by single spaces; -1 for
 * the whole part, last -2 for the rest of the part) and a literal prefix and suffix stripped
 * when present (the "[" and "]" around a time). With no quotes the whole line is the one part and
 * its quotes are not looked at: a Python logging line's header, whose regex vouched for its
 * spaces (mkslog/formats/pywords.py). (The request line's own parts: requestline.c.) The answer
 * is, per field, a views buffer and a data buffer of its own holding the values longer than a
 * view keeps inline: a column that pointed into the lines' buffers would keep a whole chunk of
 * lines alive for one short field (a report's parse kept 84 MiB more so, into its Parquet sink's
 * row groups).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "outbuf.h"
#include "stringview.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct {
    int part, first, last;
    const uint8_t *prefix, *suffix;
    Py_ssize_t prefix_len, suffix_len;
} Cut;

/* The next space in [p, end), or end. Words are short: a loop beats memchr's call. */
static inline const uint8_t *next_space(const uint8_t *p, const uint8_t *end) {
    while (p < end && *p != ' ')
        p++;
    return p;
}

/* Where word ``word`` of [p, end) starts (words split at single spaces), end when it has fewer. */
static inline const uint8_t *word_start(const uint8_t *p, const uint8_t *end, int word) {
    for (; word > 0 && p < end; word--) {
        p = next_space(p, end);
        if (p < end)
            p++;
    }
    return p;
}

/* Whether the n bytes at a and b are the same. The prefixes and suffixes cut are a byte or none:
 * a loop, not memcmp's call (4 % of a full parse's CPU, two calls per field per line). */
static inline int same_bytes(const uint8_t *a, const uint8_t *b, Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k++)
        if (a[k] != b[k])
            return 0;
    return 1;
}

/* The positions of the first ``want`` + 1 quotes of [p, end) into marks[1..]; how many there are
 * (at most want + 1: one more than the format's means the line is not plain). */
static inline Py_ssize_t find_quotes(const uint8_t *p, const uint8_t *end, const uint8_t **marks, Py_ssize_t want) {
    Py_ssize_t found = 0;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"');
    while (end - p >= 16) {
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p), quote));
        while (mask) {
            marks[++found] = p + __builtin_ctz(mask);
            if (found > want)
                return found;
            mask &= mask - 1;
        }
        p += 16;
    }
#endif
    for (; p < end; p++)
        if (*p == '"') {
            marks[++found] = p;
            if (found > want)
                return found;
        }
    return found;
}

/* The bytes each cut's text took in the last call plus one (0: no call yet), by the cut's place
 * (read and written with the GIL held). The chunks of one read hold the same fields, about as long: the next chunk's buffer
 * is sized to match, and takes the mapping the last one gave back (a buffer grown from a smaller
 * start gets fresh pages, a page fault each). Another read's cuts only start from a poorer guess. */
#define HINTS 64
static Py_ssize_t last_text[HINTS];

static PyObject *cut_views(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers, *cuts_obj;
    Py_ssize_t offset, length, quotes;
    if (!PyArg_ParseTuple(args, "OO!nnnO!", &views_obj, &PyTuple_Type, &buffers, &offset, &length, &quotes,
                          &PyTuple_Type, &cuts_obj))
        return NULL;
    Py_ssize_t n_cuts = PyTuple_GET_SIZE(cuts_obj), i, c;
    if (offset < 0 || length < 0 || quotes < 0 || quotes > 64 || n_cuts < 1 || n_cuts > 64) {
        PyErr_SetString(PyExc_ValueError, "offset, length, quotes or cuts out of range");
        return NULL;
    }
    Column col;
    memset(&col, 0, sizeof(col));
    Cut *cuts = PyMem_Calloc((size_t)n_cuts, sizeof(Cut));
    uint8_t **outs = PyMem_Calloc((size_t)n_cuts, sizeof(uint8_t *));
    uint8_t **texts = PyMem_Calloc((size_t)n_cuts, sizeof(uint8_t *));
    Py_ssize_t *used = PyMem_Calloc((size_t)n_cuts, sizeof(Py_ssize_t));
    OutBuf *out_views = PyMem_Calloc((size_t)n_cuts, sizeof(OutBuf)), *out_texts = PyMem_Calloc((size_t)n_cuts, sizeof(OutBuf));
    PyObject *result = NULL;
    int bad = 0;
    if (!cuts || !outs || !texts || !used || !out_views || !out_texts) {
        PyErr_NoMemory();
        goto done;
    }
    for (c = 0; c < n_cuts; c++) {
        Cut *cut = &cuts[c];
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(cuts_obj, c), "iiiy#y#", &cut->part, &cut->first, &cut->last,
                              &cut->prefix, &cut->prefix_len, &cut->suffix, &cut->suffix_len))
            goto done;
        if (cut->part < 0 || cut->part > quotes || cut->first < -1 || cut->last < -2
            || (cut->first >= 0 && cut->last >= 0 && cut->last < cut->first)) {
            PyErr_SetString(PyExc_ValueError, "a cut out of range");
            goto done;
        }
    }
    if (column_hold(&col, views_obj, buffers, offset, length) < 0)
        goto done;
    /* a field is part of its line: the lines' bytes bound each field's data buffer (pages not
     * written are never touched; the buffer is cut to its size afterwards) */
    Py_ssize_t total = 0;
    for (i = 0; i < length; i++) {
        int32_t len;
        memcpy(&len, col.first + 16 * i, 4);
        total += len > 12 ? len : 0;
    }
    /* each field's text starts at what the same field took in the last chunk (the mapping that
     * chunk gave back, pages and all; nothing for a field whose values fit in their views), the
     * first time at a share of the lines' bytes; it grows as needed */
    Py_ssize_t share = total / n_cuts < 65536 ? 65536 : total / n_cuts;
    for (c = 0; c < n_cuts; c++) {
        Py_ssize_t first_size = c < HINTS && last_text[c] ? last_text[c] - 1 : share;
        if (outbuf_new(&out_views[c], length * 16) < 0 || outbuf_new(&out_texts[c], first_size) < 0)
            goto done;
        outs[c] = outbuf_data(&out_views[c]);
        texts[c] = outbuf_data(&out_texts[c]);
    }
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *marks[67];
    for (i = 0; i < length && !bad; i++) {
        ViewText t;
        if (column_text(&col, i, &t) < 0) {
            bad = 1;
            break;
        }
        const uint8_t *text = t.text;
        int32_t len = t.len;
        const uint8_t *end = text + len;
        marks[0] = text - 1;  /* part k runs from marks[k] + 1 to marks[k + 1] */
        if (quotes && find_quotes(text, end, marks, quotes) != quotes) {
            bad = 2;
            break;
        }
        marks[quotes + 1] = end;
        for (c = 0; c < n_cuts; c++) {
            const Cut *cut = &cuts[c];
            const uint8_t *from = marks[cut->part] + 1, *to = marks[cut->part + 1];
            if (cut->first >= 0) {
                const uint8_t *w = word_start(from, to, cut->first);
                if (cut->last != -2)
                    to = next_space(word_start(w, to, cut->last - cut->first), to);
                from = w;
            }
            if (to - from >= cut->prefix_len && same_bytes(from, cut->prefix, cut->prefix_len))
                from += cut->prefix_len;
            if (to - from >= cut->suffix_len && same_bytes(to - cut->suffix_len, cut->suffix, cut->suffix_len))
                to -= cut->suffix_len;
            int32_t n = (int32_t)(to - from);
            if (n > 12) {
                if (used[c] + n > outbuf_size(&out_texts[c])) {
                    if (outbuf_grow(&out_texts[c], used[c] + n) < 0) {
                        bad = 3;
                        break;
                    }
                    texts[c] = outbuf_data(&out_texts[c]);
                }
                memcpy(texts[c] + used[c], from, (size_t)n);
                put_view(outs[c] + 16 * i, from, n, 0, (int32_t)used[c]);
                used[c] += n;
            } else {
                put_view(outs[c] + 16 * i, from, n, 0, 0);
            }
        }
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        if (bad == 3)
            PyErr_NoMemory();
        else
            PyErr_SetString(PyExc_ValueError, bad == 1 ? "string view points outside its buffers"
                                                       : "a line without the format's quotes: not a plain line");
        goto done;
    }
    for (c = 0; c < n_cuts && c < HINTS; c++)
        last_text[c] = used[c] + 1;
    result = PyList_New(n_cuts);
    if (!result)
        goto done;
    for (c = 0; c < n_cuts; c++) {
        PyObject *v = outbuf_finish(&out_views[c], -1), *t = v ? outbuf_finish(&out_texts[c], used[c]) : NULL;
        PyObject *pair = t ? PyTuple_Pack(2, v, t) : NULL;
        Py_XDECREF(v);
        Py_XDECREF(t);
        if (!pair) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, c, pair);
    }
done:
    if (out_views && out_texts)
        for (c = 0; c < n_cuts; c++) {
            outbuf_clear(&out_views[c]);
            outbuf_clear(&out_texts[c]);
        }
    PyMem_Free(out_views);
    PyMem_Free(out_texts);
    PyMem_Free(texts);
    PyMem_Free(used);
    column_release(&col);
    PyMem_Free(cuts);
    PyMem_Free(outs);
    return result;
}

/* first_words(views, buffers, offset, length) -> (views, data, validity): the bytes of each line
 * before its first space (top-ips' client address; polars' find-and-slice walks a regex searcher
 * per line), null where a line has none. Values longer than a view holds are copied into a data
 * buffer of their own (a column pointing into the lines' buffers would keep them alive). */
static PyObject *first_words(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers;
    Py_ssize_t offset, length, i, used = 0;
    if (!PyArg_ParseTuple(args, "OO!nn", &views_obj, &PyTuple_Type, &buffers, &offset, &length))
        return NULL;
    Column col;
    OutBuf out_views = {NULL}, out_text = {NULL};
    PyObject *validity = NULL, *result = NULL;
    int bad = 0;
    if (column_hold(&col, views_obj, buffers, offset, length) < 0)
        goto done;
    validity = PyBytes_FromStringAndSize(NULL, (length + 7) / 8);
    if (!validity || outbuf_new(&out_views, length * 16) < 0 || outbuf_new(&out_text, 65536) < 0)
        goto done;
    uint8_t *bits = (uint8_t *)PyBytes_AS_STRING(validity), *views = outbuf_data(&out_views);
    memset(bits, 0, (size_t)(length + 7) / 8);
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < length; i++) {
        ViewText t;
        if (column_text(&col, i, &t) < 0) {
            bad = 1;
            break;
        }
        const uint8_t *space = memchr(t.text, ' ', (size_t)t.len);
        if (!space) {
            memset(views + 16 * i, 0, 16);
            continue;
        }
        int32_t n = (int32_t)(space - t.text);
        bits[i >> 3] |= (uint8_t)(1u << (i & 7));
        if (n > 12) {
            if (used + n > outbuf_size(&out_text) && outbuf_grow(&out_text, used + n) < 0) {
                bad = 3;
                break;
            }
            memcpy(outbuf_data(&out_text) + used, t.text, (size_t)n);
        }
        put_view(views + 16 * i, t.text, n, 0, n > 12 ? (int32_t)used : 0);
        used += n > 12 ? n : 0;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        views_failed(bad);
        goto done;
    }
    PyObject *v = outbuf_finish(&out_views, -1), *d = v ? outbuf_finish(&out_text, used) : NULL;
    result = d ? PyTuple_Pack(3, v, d, validity) : NULL;
    Py_XDECREF(v);
    Py_XDECREF(d);
done:
    outbuf_clear(&out_views);
    outbuf_clear(&out_text);
    Py_XDECREF(validity);
    column_release(&col);
    return result;
}

static PyMethodDef methods[] = {
    OUTBUF_FORGET,
    {"cut_views", cut_views, METH_VARARGS,
     "cut_views(views, buffers, offset, length, quotes, cuts) -> [(views, data) of each cut]:"
     " fields of plain lines."},
    {"first_words", first_words, METH_VARARGS,
     "first_words(views, buffers, offset, length) -> (views, data, validity): the bytes before each line's"
     " first space."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "linecut", "Fields cut from plain lines as string views.",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_linecut(void) { return outbuf_ready() < 0 ? NULL : PyModule_Create(&module); }
