/* URL paths folded as mkslog.queries.common.fold_path folds them with four regex passes:
 *   [0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}  -> {uuid}
 *   /[0-9]+(\.[A-Za-z0-9]{1,8})?(/|$)            -> /{id}$1$2   (twice)
 *   /[0-9A-Fa-f]{16,}(\.[A-Za-z0-9]{1,8})?(/|$)  -> /{hash}$1$2
 * Each pass replaces leftmost-first, non-overlapping matches, exactly as the regex does: none of
 * these patterns can match shorter than the whole run of digits (or hex, or extension
 * characters) it starts, so a pass is one walk with no backtracking. A path no pass changes keeps
 * its view into its own buffer; a folded one is written to one new buffer, appended to the
 * column's buffers. Null paths stay null (the caller reuses the validity bitmap).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "outbuf.h"
#include "stringview.h"

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static inline int is_hex(uint8_t c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
static inline int is_alnum(uint8_t c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

static size_t pass_uuid(const uint8_t *s, size_t n, uint8_t *out, int *changed) {
    size_t i = 0, o = 0, k;
    while (i < n) {
        int ok = i + 36 <= n;
        for (k = 0; ok && k < 36; k++)
            ok = (k == 8 || k == 13 || k == 18 || k == 23) ? s[i + k] == '-' : is_hex(s[i + k]);
        if (ok) {
            memcpy(out + o, "{uuid}", 6);
            o += 6;
            i += 36;
            *changed = 1;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

/* One pass of the /{id} (hex = 0: digits, at least one) or /{hash} (hex = 1: at least 16) pattern. */
static size_t pass_segment(const uint8_t *s, size_t n, uint8_t *out, int hex, int *changed) {
    const char *name = hex ? "/{hash}" : "/{id}";
    size_t name_len = hex ? 7 : 5, least = hex ? 16 : 1, i = 0, o = 0;
    while (i < n) {
        if (s[i] == '/') {
            size_t j = i + 1, end, ext_from, ext_to;
            while (j < n && (hex ? is_hex(s[j]) : is_digit(s[j])))
                j++;
            int ok = j - (i + 1) >= least;
            ext_from = ext_to = end = j;
            if (ok && j < n && s[j] == '.') {
                size_t m = j + 1;
                while (m < n && is_alnum(s[m]))
                    m++;
                ok = m - (j + 1) >= 1 && m - (j + 1) <= 8 && (m == n || s[m] == '/');
                ext_to = end = m;
            } else if (ok) {
                ok = j == n || s[j] == '/';
            }
            if (ok) {
                int slash = end < n;  /* then s[end] is the "/" the match took */
                memcpy(out + o, name, name_len);
                o += name_len;
                memcpy(out + o, s + ext_from, ext_to - ext_from);
                o += ext_to - ext_from;
                if (slash)
                    out[o++] = '/';
                i = end + (size_t)slash;
                *changed = 1;
                continue;
            }
        }
        out[o++] = s[i++];
    }
    return o;
}

/* Whether a pass could change s: a "-" for the uuid pass (and 36 bytes), a "/" before a digit for
 * the id passes, before a hex digit for the hash pass. Most paths skip some passes, and a skipped
 * pass copies nothing. */
static int may_match(const uint8_t *s, size_t n, int pass) {
    size_t i;
    if (pass == 0)
        return n >= 36 && memchr(s, '-', n) != NULL;
    for (i = 0; i + 1 < n; i++)
        if (s[i] == '/' && (pass == 3 ? is_hex(s[i + 1]) : is_digit(s[i + 1])))
            return 1;
    return 0;
}

/* The folded path of s (a and b: scratch buffers of 3n + 16 bytes each, written in turn); its
 * length, and whether any pass changed it. */
static size_t fold(const uint8_t *s, size_t n, uint8_t *a, uint8_t *b, int *changed, const uint8_t **result) {
    int pass;
    *changed = 0;
    for (pass = 0; pass < 4; pass++) {
        if (!may_match(s, n, pass))
            continue;
        uint8_t *out = (s == a) ? b : a;
        n = pass == 0 ? pass_uuid(s, n, out, changed) : pass_segment(s, n, out, pass == 3, changed);
        s = out;
    }
    *result = s;
    return n;
}

static PyObject *fold_views(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers, *validity_obj;
    Py_ssize_t length, i;
    if (!PyArg_ParseTuple(args, "OO!On", &views_obj, &PyTuple_Type, &buffers, &validity_obj, &length))
        return NULL;
    Py_ssize_t n_buffers = PyTuple_GET_SIZE(buffers);
    if (length < 0 || n_buffers >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "length or buffers out of range");
        return NULL;
    }
    Py_buffer validity;
    Column col;
    OutBuf out_views = {NULL}, out_text = {NULL};
    PyObject *result = NULL;
    uint8_t *text = NULL, *scratch = NULL;
    size_t text_len = 0, text_cap = 0, longest = 0;
    int have_validity = 0, bad = 0;
    if (column_hold(&col, views_obj, buffers, 0, length) < 0)
        goto done;
    if (validity_obj != Py_None) {
        if (PyObject_GetBuffer(validity_obj, &validity, PyBUF_SIMPLE) < 0)
            goto done;
        have_validity = 1;
        if (validity.len < (length + 7) / 8) {
            PyErr_SetString(PyExc_ValueError, "validity: too short");
            goto done;
        }
    }
    size_t total = 0;  /* the paths' bytes, and the longest path's (the scratch buffers' size) */
    for (i = 0; i < length; i++) {
        int32_t len;
        memcpy(&len, col.first + 16 * i, 4);
        total += len > 0 ? (size_t)len : 0;
        if (len > 0 && (size_t)len > longest)
            longest = (size_t)len;
    }
    if (3 * total + 16 > (size_t)INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "paths over 512 MiB in one column");
        goto done;
    }
    scratch = PyMem_Malloc(2 * (3 * longest + 16) + 2 * (3 * 12 + 16));
    if (!scratch) {
        PyErr_NoMemory();
        goto done;
    }
    /* folding shortens most paths: the text starts at the paths' size and grows if it must */
    if (outbuf_new(&out_views, length * 16) < 0 || outbuf_new(&out_text, (Py_ssize_t)total + 16) < 0)
        goto done;
    uint8_t *out = outbuf_data(&out_views);
    text = outbuf_data(&out_text);
    text_cap = total + 16;
    Py_BEGIN_ALLOW_THREADS
    const uint8_t *view = col.first;
    uint8_t *a = scratch, *b = scratch + 3 * longest + 16 + 3 * 12 + 16;
    for (i = 0; i < length && !bad; i++, view += 16) {
        uint8_t *dst = out + 16 * i;
        if (have_validity && !(((const uint8_t *)validity.buf)[i >> 3] >> (i & 7) & 1)) {
            memset(dst, 0, 16);
            continue;
        }
        ViewText v;
        if (column_text(&col, i, &v) < 0) {
            bad = 1;
            break;
        }
        const uint8_t *s = v.text;
        int32_t len = v.len;
        int changed;
        const uint8_t *folded;
        size_t n = fold(s, (size_t)len, a, b, &changed, &folded);
        if (!changed) {
            memcpy(dst, view, 16);
            continue;
        }
        int32_t flen = (int32_t)n;
        memset(dst, 0, 16);
        memcpy(dst, &flen, 4);
        if (n <= 12) {
            memcpy(dst + 4, folded, n);
            continue;
        }
        if (text_len + n > text_cap) {
            if (outbuf_grow(&out_text, (Py_ssize_t)(text_len + n)) < 0) {
                bad = 3;
                break;
            }
            text = outbuf_data(&out_text);
            text_cap = (size_t)outbuf_size(&out_text);
        }
        memcpy(text + text_len, folded, n);
        int32_t new_index = (int32_t)n_buffers, at = (int32_t)text_len;
        memcpy(dst + 4, folded, 4);
        memcpy(dst + 8, &new_index, 4);
        memcpy(dst + 12, &at, 4);
        text_len += n;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        views_failed(bad);
        goto done;
    }
    PyObject *views_done = outbuf_finish(&out_views, -1);
    PyObject *text_done = views_done ? outbuf_finish(&out_text, (Py_ssize_t)text_len) : NULL;
    if (text_done)
        result = PyTuple_Pack(2, views_done, text_done);
    Py_XDECREF(views_done);
    Py_XDECREF(text_done);
done:
    outbuf_clear(&out_views);
    outbuf_clear(&out_text);
    PyMem_Free(scratch);
    if (have_validity)
        PyBuffer_Release(&validity);
    column_release(&col);
    return result;
}

static PyMethodDef methods[] = {
    OUTBUF_FORGET,
    {"fold_views", fold_views, METH_VARARGS,
     "fold_views(views, buffers, validity, length) -> (views, new data buffer): URL paths folded."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "pathfold", "URL paths folded as fold_path folds them.",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_pathfold(void) { return outbuf_ready() < 0 ? NULL : PyModule_Create(&module); }
