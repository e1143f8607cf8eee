/* The parts of request lines (method, path, query, protocol) as views into the request column's
 * own text: what mkslog/formats/requestparts.py hands polars instead of a regex's captures.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "outbuf.h"
#include "stringview.h"

/* The parts of request lines, as fields.REQUEST_LINE captures them:
 * ^([A-Za-z]+) ([^ ?]*)(?:\?([^ ]*))?(?: (HTTP/[0-9.]+))?$
 * Each line is walked once (the pattern never backtracks: a part ends at the first byte it cannot
 * hold). Answers four views buffers (method, path, query, protocol) and three validity bitmaps
 * (the line matched; it has a query; it has a protocol), Arrow's layout: bit i for line i. */
static PyObject *request_parts(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers;
    Py_ssize_t offset, length, i;
    if (!PyArg_ParseTuple(args, "OO!nn", &views_obj, &PyTuple_Type, &buffers, &offset, &length))
        return NULL;
    if (offset < 0 || length < 0) {
        PyErr_SetString(PyExc_ValueError, "offset or length out of range");
        return NULL;
    }
    Py_ssize_t bitmap = (length + 7) / 8;
    Column col;
    OutBuf outs[7];
    PyObject *result = NULL;
    memset(outs, 0, sizeof(outs));
    int bad = 0, k;
    if (column_hold(&col, views_obj, buffers, offset, length) < 0)
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
    for (i = 0; i < length; i++) {
        ViewText v;
        if (column_text(&col, i, &v) < 0) {
            bad = 1;
            break;
        }
        const uint8_t *t = v.text;
        int32_t len = v.len, index = v.index, start = v.start;
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
    column_release(&col);
    return result;
}

static PyMethodDef methods[] = {
    OUTBUF_FORGET,
    {"request_parts", request_parts, METH_VARARGS,
     "request_parts(views, buffers, offset, length) -> (method, path, query, protocol views; matched,"
     " has query, has protocol bitmaps)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "requestline", "Request lines cut into their parts.",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_requestline(void) { return outbuf_ready() < 0 ? NULL : PyModule_Create(&module); }
