/* Fields cut from plain access lines at their quotes and spaces, as Arrow string views into the
 * lines' own buffers: no copy of the text, no split structs.
 *
 * The lines are the string views polars holds (mkslog/formats/split.py makes sure every line
 * is valid and plain: its quotes are exactly the format's). A field is described by the part of
 * the line it sits in (between quotes k-1 and k; 0 from the line's start, the last one up to
 * its end), its first and last word in that part (words are separated by single spaces; -1 for
 * the whole part, last -2 for the rest of the part) and a literal prefix and suffix stripped
 * when present (the "[" and "]" around a time). The answer is, per field, a views buffer and a
 * data buffer of its own holding the values longer than a view keeps inline: a column that
 * pointed into the lines' buffers would keep a whole chunk of lines alive for one short field
 * (a report's parse kept 84 MiB more so, into its Parquet sink's row groups).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "outbuf.h"
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

static PyObject *cut_views(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers, *cuts_obj;
    Py_ssize_t offset, length, quotes;
    if (!PyArg_ParseTuple(args, "OO!nnnO!", &views_obj, &PyTuple_Type, &buffers, &offset, &length, &quotes,
                          &PyTuple_Type, &cuts_obj))
        return NULL;
    Py_ssize_t n_buffers = PyTuple_GET_SIZE(buffers), n_cuts = PyTuple_GET_SIZE(cuts_obj), got = 0, i, c;
    if (offset < 0 || length < 0 || quotes < 1 || quotes > 64 || n_cuts < 1 || n_cuts > 64) {
        PyErr_SetString(PyExc_ValueError, "offset, length, quotes or cuts out of range");
        return NULL;
    }
    Py_buffer views;
    Py_buffer *data = PyMem_Calloc(n_buffers ? n_buffers : 1, sizeof(Py_buffer));
    Cut *cuts = PyMem_Calloc((size_t)n_cuts, sizeof(Cut));
    uint8_t **outs = PyMem_Calloc((size_t)n_cuts, sizeof(uint8_t *));
    uint8_t **texts = PyMem_Calloc((size_t)n_cuts, sizeof(uint8_t *));
    Py_ssize_t *used = PyMem_Calloc((size_t)n_cuts, sizeof(Py_ssize_t));
    OutBuf *out_views = PyMem_Calloc((size_t)n_cuts, sizeof(OutBuf)), *out_texts = PyMem_Calloc((size_t)n_cuts, sizeof(OutBuf));
    PyObject *result = NULL;
    int have_views = 0, bad = 0;
    if (!data || !cuts || !outs || !texts || !used || !out_views || !out_texts) {
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
    if (PyObject_GetBuffer(views_obj, &views, PyBUF_SIMPLE) < 0)
        goto done;
    have_views = 1;
    if (views.len < (offset + length) * 16) {
        PyErr_SetString(PyExc_ValueError, "views: too short");
        goto done;
    }
    for (; got < n_buffers; got++)
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(buffers, got), &data[got], PyBUF_SIMPLE) < 0)
            goto done;
    /* a field is part of its line: the lines' bytes bound each field's data buffer (pages not
     * written are never touched; the buffer is cut to its size afterwards) */
    Py_ssize_t total = 0;
    for (i = 0; i < length; i++) {
        int32_t len;
        memcpy(&len, (const uint8_t *)views.buf + (offset + i) * 16, 4);
        total += len > 12 ? len : 0;
    }
    /* each field's text starts at a share of the lines' and grows as needed */
    Py_ssize_t first_size = total / n_cuts < 65536 ? 65536 : total / n_cuts;
    for (c = 0; c < n_cuts; c++) {
        if (outbuf_new(&out_views[c], length * 16) < 0 || outbuf_new(&out_texts[c], first_size) < 0)
            goto done;
        outs[c] = outbuf_data(&out_views[c]);
        texts[c] = outbuf_data(&out_texts[c]);
    }
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *view = (const uint8_t *)views.buf + offset * 16;
    const uint8_t *marks[67];
    for (i = 0; i < length && !bad; i++, view += 16) {
        int32_t len, index = 0, start = 0;
        memcpy(&len, view, 4);
        const uint8_t *text;
        if (len < 0) {
            bad = 1;
            break;
        }
        if (len <= 12) {
            text = view + 4;
        } else {
            memcpy(&index, view + 8, 4);
            memcpy(&start, view + 12, 4);
            if (index < 0 || index >= n_buffers || start < 0 || (Py_ssize_t)start + len > data[index].len) {
                bad = 1;
                break;
            }
            text = (const uint8_t *)data[index].buf + start;
        }
        const uint8_t *end = text + len;
        marks[0] = text - 1;  /* part k runs from marks[k] + 1 to marks[k + 1] */
        if (find_quotes(text, end, marks, quotes) != quotes) {
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
            if (to - from >= cut->prefix_len && memcmp(from, cut->prefix, (size_t)cut->prefix_len) == 0)
                from += cut->prefix_len;
            if (to - from >= cut->suffix_len && memcmp(to - cut->suffix_len, cut->suffix, (size_t)cut->suffix_len) == 0)
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
    for (i = 0; i < got; i++)
        PyBuffer_Release(&data[i]);
    if (have_views)
        PyBuffer_Release(&views);
    PyMem_Free(data);
    PyMem_Free(cuts);
    PyMem_Free(outs);
    return result;
}

/* The parts of request lines, as fields.REQUEST_LINE captures them:
 * ^([A-Za-z]+) ([^ ?]*)(?:\?([^ ]*))?(?: (HTTP/[0-9.]+))?$
 * Each line is walked once (the pattern never backtracks: a part ends at the first byte it cannot
 * hold). Answers four views buffers (method, path, query, protocol) and three validity bitmaps
 * (the line matched; it has a query; it has a protocol), Arrow's layout: bit i for line i. */
static PyObject *request_parts(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers;
    Py_ssize_t offset, length, got = 0, i;
    if (!PyArg_ParseTuple(args, "OO!nn", &views_obj, &PyTuple_Type, &buffers, &offset, &length))
        return NULL;
    if (offset < 0 || length < 0) {
        PyErr_SetString(PyExc_ValueError, "offset or length out of range");
        return NULL;
    }
    Py_ssize_t n_buffers = PyTuple_GET_SIZE(buffers), bitmap = (length + 7) / 8;
    Py_buffer views;
    Py_buffer *data = PyMem_Calloc(n_buffers ? n_buffers : 1, sizeof(Py_buffer));
    OutBuf outs[7];
    PyObject *result = NULL;
    memset(outs, 0, sizeof(outs));
    int have_views = 0, bad = 0, k;
    if (!data) {
        PyErr_NoMemory();
        goto done;
    }
    if (PyObject_GetBuffer(views_obj, &views, PyBUF_SIMPLE) < 0)
        goto done;
    have_views = 1;
    if (views.len < (offset + length) * 16) {
        PyErr_SetString(PyExc_ValueError, "views: too short");
        goto done;
    }
    for (; got < n_buffers; got++)
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(buffers, got), &data[got], PyBUF_SIMPLE) < 0)
            goto done;
    for (k = 0; k < 7; k++) {
        if (outbuf_new(&outs[k], k < 4 ? length * 16 : bitmap) < 0)
            goto done;
        if (k >= 4)
            memset(outbuf_data(&outs[k]), 0, (size_t)bitmap);
    }
    uint8_t *method = outbuf_data(&outs[0]), *path = outbuf_data(&outs[1]), *query = outbuf_data(&outs[2]),
            *protocol = outbuf_data(&outs[3]), *matched = outbuf_data(&outs[4]), *has_query = outbuf_data(&outs[5]),
            *has_protocol = outbuf_data(&outs[6]);
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *view = (const uint8_t *)views.buf + offset * 16;
    for (i = 0; i < length; i++, view += 16) {
        int32_t len, index = 0, start = 0;
        memcpy(&len, view, 4);
        const uint8_t *t;
        if (len < 0) {
            bad = 1;
            break;
        }
        if (len <= 12) {
            t = view + 4;
        } else {
            memcpy(&index, view + 8, 4);
            memcpy(&start, view + 12, 4);
            if (index < 0 || index >= n_buffers || start < 0 || (Py_ssize_t)start + len > data[index].len) {
                bad = 1;
                break;
            }
            t = (const uint8_t *)data[index].buf + start;
        }
        uint8_t bit = (uint8_t)(1u << (i & 7));
        int32_t j = 0, path_from, path_to, query_from = 0, query_to = 0, proto_from = 0;
        int q = 0, ok;
        while (j < len && ((t[j] | 0x20) >= 'a' && (t[j] | 0x20) <= 'z'))
            j++;
        ok = j > 0 && j < len && t[j] == ' ';
        int32_t method_to = j;
        path_from = ++j;
        while (ok && j < len && t[j] != ' ' && t[j] != '?')
            j++;
        path_to = j;
        if (ok && j < len && t[j] == '?') {
            q = 1;
            query_from = ++j;
            while (j < len && t[j] != ' ')
                j++;
            query_to = j;
        }
        if (ok && j < len) {  /* a space: then HTTP/ and at least one of [0-9.], to the end */
            proto_from = ++j;
            ok = len - j >= 6 && memcmp(t + j, "HTTP/", 5) == 0;
            for (j += 5; ok && j < len; j++)
                ok = (t[j] >= '0' && t[j] <= '9') || t[j] == '.';
        }
        if (!ok) {
            memset(method + 16 * i, 0, 16);
            memset(path + 16 * i, 0, 16);
            memset(query + 16 * i, 0, 16);
            memset(protocol + 16 * i, 0, 16);
            continue;
        }
        matched[i >> 3] |= bit;
        put_view(method + 16 * i, t, method_to, index, start);
        put_view(path + 16 * i, t + path_from, path_to - path_from, index, start + path_from);
        if (q) {
            has_query[i >> 3] |= bit;
            put_view(query + 16 * i, t + query_from, query_to - query_from, index, start + query_from);
        } else {
            memset(query + 16 * i, 0, 16);
        }
        if (proto_from) {
            has_protocol[i >> 3] |= bit;
            put_view(protocol + 16 * i, t + proto_from, len - proto_from, index, start + proto_from);
        } else {
            memset(protocol + 16 * i, 0, 16);
        }
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "string view points outside its buffers");
        goto done;
    }
    result = PyTuple_New(7);
    if (result)
        for (k = 0; k < 7; k++) {
            PyObject *done_buf = outbuf_finish(&outs[k], -1);
            if (!done_buf) {
                Py_CLEAR(result);
                break;
            }
            PyTuple_SET_ITEM(result, k, done_buf);
        }
done:
    for (k = 0; k < 7; k++)
        outbuf_clear(&outs[k]);
    for (i = 0; i < got; i++)
        PyBuffer_Release(&data[i]);
    if (have_views)
        PyBuffer_Release(&views);
    PyMem_Free(data);
    return result;
}

static PyMethodDef methods[] = {
    {"cut_views", cut_views, METH_VARARGS,
     "cut_views(views, buffers, offset, length, quotes, cuts) -> [(views, data) of each cut]:"
     " fields of plain lines."},
    {"request_parts", request_parts, METH_VARARGS,
     "request_parts(views, buffers, offset, length) -> (method, path, query, protocol views; matched,"
     " has query, has protocol bitmaps)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "linecut", "Fields cut from plain lines as string views.",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_linecut(void) { return outbuf_ready() < 0 ? NULL : PyModule_Create(&module); }
