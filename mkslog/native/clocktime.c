/* Timestamps of two fixed layouts read in C, as polars' strptime reads them: nginx's $time_local
 * (``10/Oct/2026:13:55:36 +0900``) and Python logging's default asctime (``2026-11-18 14:05:00,123``).
 *
 * polars' strptime is a general parser: a tenth of an app log's parse and 4 % of a full access
 * parse. Here each value is checked for its layout's exact shape (digits where digits go, its
 * separators, its length) and read by position. A column in which some value has another shape
 * gets None: polars answers it then, with its own rules. A value of the right shape that names no
 * time (29/Feb/2027, hour 24, month "Foo") is null, as with strptime(strict=False); second 60 is
 * the next minute's 0, month names are read in any case, as polars reads them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "outbuf.h"
#include "stringview.h"

#define MICROS 1000000LL

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int64_t y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

/* The number in the n digits at p; -1 when one of them is not a digit. */
static int digits(const uint8_t *p, int n) {
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (p[k] < '0' || p[k] > '9')
            return -1;
        v = v * 10 + (p[k] - '0');
    }
    return v;
}

/* 1-12 for a month's English abbreviation in any case, 0 for other letters, -1 for non-letters. */
static int month_of(const uint8_t *p) {
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    uint8_t low[3];
    for (int k = 0; k < 3; k++) {
        uint8_t c = p[k] | 0x20;
        if (c < 'a' || c > 'z')
            return -1;
        low[k] = c;
    }
    for (int m = 0; m < 12; m++)
        if (memcmp(low, names + 3 * m, 3) == 0)
            return m + 1;
    return 0;
}

/* Microseconds since the epoch of a naive time, or 0 in *ok when no such time exists. */
static int64_t naive_micros(int64_t y, int mo, int d, int h, int mi, int s, int frac_us, int *ok) {
    *ok = mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h <= 23 && mi <= 59 && s <= 60;
    if (!*ok)
        return 0;
    return ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 * MICROS + s * MICROS + frac_us;
}

enum { CLF = 0, ASCTIME = 1 };

/* One value: its microseconds (UTC for CLF, naive for asctime), its offset minutes (CLF), and
 * whether it names a time. 0 when it is not of the layout's shape. */
static int read_value(int layout, const uint8_t *t, int32_t len, int64_t *micros, int16_t *offset, int *ok) {
    if (layout == CLF) {  /* DD/Mon/YYYY:HH:MM:SS +hhmm */
        if (len != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' || t[17] != ':'
            || t[20] != ' ' || (t[21] != '+' && t[21] != '-'))
            return 0;
        int d = digits(t, 2), mo = month_of(t + 3), y = digits(t + 7, 4), h = digits(t + 12, 2), mi = digits(t + 15, 2),
            s = digits(t + 18, 2), oh = digits(t + 22, 2), om = digits(t + 24, 2);
        if (d < 0 || mo < 0 || y < 0 || h < 0 || mi < 0 || s < 0 || oh < 0 || om < 0)
            return 0;
        /* the offset as polars reads it: "+hhmm" cast to a number, hh * 60 + mm (mm is not range-checked) */
        int minutes = (t[21] == '-' ? -1 : 1) * (oh * 60 + om);
        *offset = (int16_t)minutes;
        *micros = naive_micros(y, mo, d, h, mi, s, 0, ok) - (int64_t)minutes * 60 * MICROS;
        return 1;
    }
    /* YYYY-MM-DD HH:MM:SS,mmm */
    if (len != 23 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' || t[16] != ':' || t[19] != ',')
        return 0;
    int y = digits(t, 4), mo = digits(t + 5, 2), d = digits(t + 8, 2), h = digits(t + 11, 2), mi = digits(t + 14, 2),
        s = digits(t + 17, 2), ms = digits(t + 20, 3);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || ms < 0)
        return 0;
    *micros = naive_micros(y, mo, d, h, mi, s, ms * 1000, ok);
    return 1;
}

/* times(views, buffers, offset, length, layout) -> (micros, validity, offsets) or None: Int64
 * microseconds (CLF: UTC; asctime: naive local), a validity bitmap (bit i: value i names a time),
 * and for CLF the Int16 offset minutes of every value (None for asctime). */
static PyObject *times(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *views_obj, *buffers, *result = NULL;
    Py_ssize_t offset, length, i;
    int layout;
    if (!PyArg_ParseTuple(args, "OO!nni", &views_obj, &PyTuple_Type, &buffers, &offset, &length, &layout))
        return NULL;
    if (layout != CLF && layout != ASCTIME) {
        PyErr_SetString(PyExc_ValueError, "layout: 0 (CLF) or 1 (asctime)");
        return NULL;
    }
    Column col;
    OutBuf micros = {NULL}, valid = {NULL}, offsets = {NULL};
    int bad = 0, off_shape = 0;
    if (column_hold(&col, views_obj, buffers, offset, length) < 0)
        goto done;
    Py_ssize_t bitmap = (length + 7) / 8;
    if (outbuf_new(&micros, length * 8) < 0 || outbuf_new(&valid, bitmap) < 0
        || (layout == CLF && outbuf_new(&offsets, length * 2) < 0))
        goto done;
    int64_t *out = (int64_t *)outbuf_data(&micros);
    uint8_t *bits = outbuf_data(&valid);
    int16_t *mins = layout == CLF ? (int16_t *)outbuf_data(&offsets) : NULL;
    memset(bits, 0, (size_t)bitmap);
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < length; i++) {
        ViewText t;
        if (column_text(&col, i, &t) < 0) {
            bad = 1;
            break;
        }
        int64_t us = 0;
        int16_t minutes = 0;
        int ok = 0;
        if (!read_value(layout, t.text, t.len, &us, &minutes, &ok)) {
            off_shape = 1;
            break;
        }
        out[i] = ok ? us : 0;
        if (ok)
            bits[i >> 3] |= (uint8_t)(1u << (i & 7));
        if (mins)
            mins[i] = minutes;
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        views_failed(bad);
        goto done;
    }
    if (off_shape) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    PyObject *m = outbuf_finish(&micros, -1), *v = m ? outbuf_finish(&valid, -1) : NULL;
    PyObject *o = v ? (mins ? outbuf_finish(&offsets, -1) : Py_NewRef(Py_None)) : NULL;
    result = o ? PyTuple_Pack(3, m, v, o) : NULL;
    Py_XDECREF(m);
    Py_XDECREF(v);
    Py_XDECREF(o);
done:
    outbuf_clear(&micros);
    outbuf_clear(&valid);
    outbuf_clear(&offsets);
    column_release(&col);
    return result;
}

static PyMethodDef methods[] = {
    OUTBUF_FORGET,
    {"times", times, METH_VARARGS,
     "times(views, buffers, offset, length, layout) -> (micros, validity, offsets) or None: timestamps of"
     " layout 0 (nginx $time_local) or 1 (Python's default asctime)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "clocktime", "Timestamps of fixed layouts.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_clocktime(void) { return outbuf_ready() < 0 ? NULL : PyModule_Create(&module); }
