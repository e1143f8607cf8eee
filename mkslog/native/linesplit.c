/* A file's bytes read into mapped blocks that are used again, and split there into the Arrow
 * string views of its lines: no copy of the text into polars, no fresh pages per chunk.
 *
 * Python's read() hands each 8 MiB chunk a new allocation (with mkslog's fixed malloc threshold a
 * new mapping): every page faults and is cleared again, 1.1 s of system time over a 1.8 GB file
 * against 0.3 s reading into the same buffer; then polars' line reader copies the text once more.
 * Here a block comes from the cache of freed mappings (outbuf.h), the reader fills it with
 * readinto, and split() writes one view per line pointing into the block, which the lines column
 * holds until it is dropped (then the block goes back to the cache for the next chunk).
 *
 * Lines end at "\n"; trailing "\r"s are dropped (as the polars path strips them); a last line
 * without newline counts. A block that is not valid UTF-8 (or over 2 GiB: views hold 32-bit
 * offsets) gets None: the caller's slow path escapes the bytes as before.
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

static Mapped *own_block(PyObject *obj) {
    if (!PyObject_TypeCheck(obj, &MappedType)) {
        PyErr_SetString(PyExc_TypeError, "expected a block made by linesplit.block()");
        return NULL;
    }
    return (Mapped *)obj;
}

static PyObject *block(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t size;
    if (!PyArg_ParseTuple(args, "n", &size))
        return NULL;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "a block's size must not be negative");
        return NULL;
    }
    OutBuf b;
    if (outbuf_new(&b, size) < 0)
        return NULL;
    return outbuf_finish(&b, -1);
}

/* resize(block, used, more): the block shows its first ``used`` bytes and then ``more`` (the rest
 * of the last line, read after the block was filled), grown when they do not fit. */
static PyObject *resize(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *obj;
    Py_ssize_t used;
    Py_buffer more;
    if (!PyArg_ParseTuple(args, "Ony*", &obj, &used, &more))
        return NULL;
    Mapped *m = own_block(obj);
    PyObject *result = NULL;
    if (!m)
        goto done;
    if (m->exports) {
        PyErr_SetString(PyExc_BufferError, "the block is still in use: release its memoryviews first");
        goto done;
    }
    if (used < 0 || used > m->len || more.len > PY_SSIZE_T_MAX - used) {
        PyErr_SetString(PyExc_ValueError, "used out of range");
        goto done;
    }
    if (used + more.len > m->mapped) {
        OutBuf b = {m};
        if (outbuf_grow(&b, used + more.len) < 0) {
            PyErr_NoMemory();
            goto done;
        }
    }
    memcpy(m->data + used, more.buf, (size_t)more.len);
    m->len = used + more.len;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&more);
    return result;
}

/* Whether the bytes from s[i] on, up to the end of their character run that is not ASCII, are
 * valid UTF-8 (no overlong forms, surrogates, or code points past U+10FFFF); 0, or the index past
 * the characters checked. Called where the ASCII loop below found a byte with its high bit set. */
static Py_ssize_t valid_from(const uint8_t *s, Py_ssize_t i, Py_ssize_t n) {
    while (i < n && s[i] >= 0x80) {
        uint8_t c = s[i];
        Py_ssize_t need = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
        if (c < 0xC2 || c > 0xF4 || n - i <= need)
            return 0;
        uint8_t c1 = s[i + 1];
        if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)     /* overlong, surrogate */
            || (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))  /* overlong, past U+10FFFF */
            return 0;
        for (Py_ssize_t k = 1; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += need + 1;
    }
    return i;
}

/* One step of the byte-by-byte walk at s[i]: a character that is not ASCII checked whole, an ASCII
 * byte counted when it is a newline; the index past it, 0 when the bytes are not valid UTF-8. */
static inline Py_ssize_t step(const uint8_t *s, Py_ssize_t i, Py_ssize_t n, Py_ssize_t *lines) {
    if (s[i] >= 0x80)
        return valid_from(s, i, n);
    *lines += s[i] == '\n';
    return i + 1;
}

/* How many lines [s, s + n) holds (its newlines, and one more for a last line without one), or
 * -1 when it is not valid UTF-8: one pass, sixteen bytes at a time where the CPU has SSE2. */
static Py_ssize_t count_valid_lines(const uint8_t *s, Py_ssize_t n) {
    Py_ssize_t lines = 0, i = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
    while (n - i >= 16) {
        /* up to 255 blocks add their newlines into byte counters (each compare gives -1), then
         * the counters are summed: no popcount instruction needed */
        __m128i counts = zero;
        Py_ssize_t stop = n - i >= 16 * 255 ? i + 16 * 255 : i + (n - i) / 16 * 16;
        while (i < stop) {
            __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
            if (_mm_movemask_epi8(x))
                break;
            counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(x, nl));
            i += 16;
        }
        __m128i sums = _mm_sad_epu8(counts, zero);
        lines += _mm_cvtsi128_si32(sums) + _mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
        if (i < stop) {  /* a byte with its high bit set in the next sixteen: count and check them */
            Py_ssize_t to = i + 16;
            while (i < to)
                if (!(i = step(s, i, n, &lines)))
                    return -1;
        }
    }
#endif
    while (i < n)
        if (!(i = step(s, i, n, &lines)))
            return -1;
    return lines + (n > 0 && s[n - 1] != '\n');
}

static inline void put_line(uint8_t *views, const uint8_t *base, Py_ssize_t from, Py_ssize_t to) {
    while (to > from && base[to - 1] == '\r')
        to--;
    put_view(views, base + from, (int32_t)(to - from), 0, (int32_t)from);
}

/* The views of the lines of [s, s + n), ``lines`` of them. */
static void write_views(const uint8_t *s, Py_ssize_t n, uint8_t *views) {
    Py_ssize_t start = 0, i = 0;
#ifdef __SSE2__
    const __m128i nl = _mm_set1_epi8('\n');
    for (; n - i >= 16; i += 16) {
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(s + i)), nl));
        while (mask) {
            Py_ssize_t at = i + __builtin_ctz(mask);
            put_line(views, s, start, at);
            views += 16;
            start = at + 1;
            mask &= mask - 1;
        }
    }
#endif
    for (; i < n; i++)
        if (s[i] == '\n') {
            put_line(views, s, start, i);
            views += 16;
            start = i + 1;
        }
    if (start < n)
        put_line(views, s, start, n);
}

/* split(block, end=-1) -> (views, lines) of the block's first ``end`` bytes (-1: all; the rest was
 * carried into the next chunk), or None when they are not valid UTF-8 or too large. */
static PyObject *split(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *obj;
    Py_ssize_t end = -1;
    if (!PyArg_ParseTuple(args, "O|n", &obj, &end))
        return NULL;
    Mapped *m = own_block(obj);
    if (!m)
        return NULL;
    if (end < -1 || end > m->len) {
        PyErr_SetString(PyExc_ValueError, "end out of range");
        return NULL;
    }
    Py_ssize_t n = end < 0 ? m->len : end, lines;
    if (n > INT32_MAX)
        Py_RETURN_NONE;
    const uint8_t *s = m->data;
    OutBuf views;
    m->exports++;  /* no resize while the GIL is let go */
    Py_BEGIN_ALLOW_THREADS
    lines = count_valid_lines(s, n);
    Py_END_ALLOW_THREADS
    int valid = lines >= 0;
    if (!valid || outbuf_new(&views, lines * 16) < 0) {
        m->exports--;
        if (valid)
            return NULL;
        Py_RETURN_NONE;
    }
    uint8_t *out = outbuf_data(&views);
    Py_BEGIN_ALLOW_THREADS
    write_views(s, n, out);
    Py_END_ALLOW_THREADS
    m->exports--;
    PyObject *done = outbuf_finish(&views, lines * 16);
    PyObject *result = Py_BuildValue("Nn", done, lines);
    return result;
}

/* has_byte(block, byte) -> whether the block holds the byte (memchr). */
static PyObject *has_byte(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *obj;
    int byte;
    if (!PyArg_ParseTuple(args, "Oi", &obj, &byte))
        return NULL;
    Mapped *m = own_block(obj);
    if (!m)
        return NULL;
    return PyBool_FromLong(m->len > 0 && memchr(m->data, byte & 0xFF, (size_t)m->len) != NULL);
}

static PyMethodDef methods[] = {
    {"has_byte", has_byte, METH_VARARGS, "has_byte(block, byte) -> whether the block holds the byte."},
    OUTBUF_FORGET,
    {"block", block, METH_VARARGS, "block(size) -> a writable mapped block of size bytes (from the cache of freed ones)."},
    {"resize", resize, METH_VARARGS, "resize(block, used, more): show the first used bytes, then more."},
    {"split", split, METH_VARARGS,
     "split(block, end=-1) -> (views, lines): a string view per line of the first end bytes, into the block;"
     " None if not valid UTF-8."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "linesplit", "Blocks read and split into lines.", -1,
                                   methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_linesplit(void) {
    if (outbuf_ready() < 0)
        return NULL;
    return PyModule_Create(&module);
}
