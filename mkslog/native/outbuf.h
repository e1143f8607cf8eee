/* Output buffers for mkslog's C loops: memory mapped for each buffer and unmapped when the last
 * column using it is dropped (past a small cache for the next chunk), so a parse gives its pages
 * back at once. From an allocator's pool
 * instead, the pages stayed: over the report's 10M-line access parse the process held 427 MiB
 * with pyarrow's mimalloc, 533-602 with glibc's malloc, 299 with buffers mapped like these (polars'
 * own cut: 316). A buffer starts at a size the caller guesses, grows while the loop runs (taking
 * the GIL back; the mapping moves, nothing is exported yet) and is cut to what was written.
 *
 * Include it once per extension module and call outbuf_ready() from the module's init.
 */
#ifndef MKSLOG_OUTBUF_H
#define MKSLOG_OUTBUF_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define OUTBUF_MAPPED 1
#endif

typedef struct {
    PyObject_HEAD
    unsigned char *data;
    Py_ssize_t len;      /* bytes written and shown */
    Py_ssize_t mapped;   /* bytes reserved */
    Py_ssize_t exports;  /* buffer views handed out */
} Mapped;

static Py_ssize_t page_rounded(Py_ssize_t size) {
#ifdef OUTBUF_MAPPED
    Py_ssize_t page = (Py_ssize_t)sysconf(_SC_PAGESIZE);
    return (size + page - 1) / page * page;
#else
    return size;
#endif
}

/* The size a buffer of ``size`` bytes is mapped at: whole pages, and from 64 KiB up the next of
 * four steps per doubling (1, 1.25, 1.5 or 1.75 times a power of two). The buffers of neighbouring
 * chunks differ by a few lines; in one class, each reuses the mapping the last one gave back, and
 * the pages already in it. */
static Py_ssize_t size_class(Py_ssize_t size) {
    if (size <= 65536)
        return page_rounded(size > 0 ? size : 1);
    Py_ssize_t step = 16384;
    while (step * 8 <= size)
        step *= 2;
    return page_rounded((size + step - 1) / step * step);
}

static unsigned char *reserve(Py_ssize_t size) {
#ifdef OUTBUF_MAPPED
    void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
#else
    return malloc((size_t)size);
#endif
}

static void release(unsigned char *data, Py_ssize_t size) {
#ifdef OUTBUF_MAPPED
    if (data)
        munmap(data, (size_t)size);
#else
    (void)size;
    free(data);
#endif
}

/* Mappings given back by columns, kept for the next chunk's buffers: a fresh mapping costs a page
 * fault per page written and its unmapping a TLB shootdown on every core (a full parse's system
 * time doubled without this). At most CACHE_BYTES stay mapped; the cache is only touched with
 * the GIL held (new buffers and deallocation), so it needs no lock of its own. A full parse's cut
 * gives back twenty mappings a chunk, and chunks are let go of several at a time: with 32 slots
 * most of them were unmapped, and a full parse of 10M lines took 800k page faults (100k now). */
#define CACHE_SLOTS 128
#define CACHE_BYTES ((Py_ssize_t)48 << 20)
static unsigned char *cache_data[CACHE_SLOTS];
static Py_ssize_t cache_size[CACHE_SLOTS];
static Py_ssize_t cache_total;

/* A cached mapping for a buffer of ``size`` bytes, or NULL: the smallest that is large enough,
 * also a much larger one (the buffer is cut to what was written when it is finished, while a
 * cached mapping no request fits would stay mapped for nothing). When every one is smaller, the
 * largest, grown: a page already written costs nothing, a fresh one a page fault each (a parse's
 * fields vary in length from chunk to chunk). */
static unsigned char *cache_take(Py_ssize_t size, Py_ssize_t *got) {
    int best = -1, largest = -1, i;
    for (i = 0; i < CACHE_SLOTS; i++) {
        if (!cache_data[i])
            continue;
        if (cache_size[i] >= size && (best < 0 || cache_size[i] < cache_size[best]))
            best = i;
        if (largest < 0 || cache_size[i] > cache_size[largest])
            largest = i;
    }
#if defined(OUTBUF_MAPPED) && defined(__linux__)
    if (best < 0 && largest >= 0) {
        void *grown = mremap(cache_data[largest], (size_t)cache_size[largest], (size_t)size, MREMAP_MAYMOVE);
        if (grown != MAP_FAILED) {
            cache_data[largest] = grown;
            cache_total += size - cache_size[largest];
            cache_size[largest] = size;
            best = largest;
        }
    }
#endif
    if (best < 0)
        return NULL;
    unsigned char *data = cache_data[best];
    *got = cache_size[best];
    cache_data[best] = NULL;
    cache_total -= *got;
    return data;
}

static void cache_give(unsigned char *data, Py_ssize_t size) {
    int i;
    if (data && cache_total + size <= CACHE_BYTES)
        for (i = 0; i < CACHE_SLOTS; i++)
            if (!cache_data[i]) {
                cache_data[i] = data;
                cache_size[i] = size;
                cache_total += size;
                return;
            }
    release(data, size);
}

/* Unmaps every cached mapping (the end of a read: nothing more to reuse them for soon). */
static inline void cache_forget(void) {
    int i;
    for (i = 0; i < CACHE_SLOTS; i++)
        if (cache_data[i]) {
            release(cache_data[i], cache_size[i]);
            cache_data[i] = NULL;
        }
    cache_total = 0;
}

/* forget(): the module's ``forget`` (OUTBUF_FORGET in its method table): every cached mapping
 * unmapped, for the end of a read. A report parses, then runs its queries in the same process:
 * the mappings its parse gave back would stay mapped through them. */
static PyObject *outbuf_forget(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    cache_forget();
    Py_RETURN_NONE;
}

/* cached(): the bytes the cache keeps mapped (tests, and a look during a read). */
static PyObject *outbuf_cached(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    return PyLong_FromSsize_t(cache_total);
}

#define OUTBUF_FORGET \
    {"forget", outbuf_forget, METH_NOARGS, "forget(): unmap the buffers kept for reuse (a read has ended)."}, \
    {"cached", outbuf_cached, METH_NOARGS, "cached() -> bytes kept mapped for reuse."}

static void mapped_dealloc(Mapped *m) {
    cache_give(m->data, m->mapped);
    Py_TYPE(m)->tp_free((PyObject *)m);
}

static int mapped_getbuffer(Mapped *m, Py_buffer *view, int flags) {
    if (PyBuffer_FillInfo(view, (PyObject *)m, m->data, m->len, 0, flags) < 0)
        return -1;
    m->exports++;
    return 0;
}

static void mapped_releasebuffer(Mapped *m, Py_buffer *view) {
    (void)view;
    m->exports--;
}

static Py_ssize_t mapped_length(Mapped *m) { return m->len; }

static PySequenceMethods mapped_as_sequence = {.sq_length = (lenfunc)mapped_length};

static PyBufferProcs mapped_as_buffer = {(getbufferproc)mapped_getbuffer, (releasebufferproc)mapped_releasebuffer};

static PyTypeObject MappedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "mkslog.native.Mapped",
    .tp_basicsize = sizeof(Mapped),
    .tp_dealloc = (destructor)mapped_dealloc,
    .tp_as_buffer = &mapped_as_buffer,
    .tp_as_sequence = &mapped_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Bytes written by mkslog's C code, unmapped when the last user lets go.",
};

static int outbuf_ready(void) { return PyType_Ready(&MappedType); }

/* While the loop writes: the object, and its memory. */
typedef struct {
    Mapped *obj;
} OutBuf;

/* A buffer of ``size`` bytes (at least one page); 0, or -1 with an exception set. */
static int outbuf_new(OutBuf *b, Py_ssize_t size) {
    b->obj = PyObject_New(Mapped, &MappedType);
    if (!b->obj)
        return -1;
    b->obj->mapped = size_class(size);
    b->obj->len = size;
    b->obj->exports = 0;
    b->obj->data = cache_take(b->obj->mapped, &b->obj->mapped);
    if (!b->obj->data)
        b->obj->data = reserve(b->obj->mapped);
    if (!b->obj->data) {
        b->obj->mapped = 0;
        Py_CLEAR(b->obj);
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static inline unsigned char *outbuf_data(OutBuf *b) { return b->obj->data; }
static inline Py_ssize_t outbuf_size(OutBuf *b) { return b->obj->mapped; }

/* The buffer grown to at least ``size`` bytes (doubling), its contents kept. Needs no GIL: the
 * buffer is not shared yet. 0, or -1 when memory ran out. */
static inline int outbuf_grow(OutBuf *b, Py_ssize_t size) {
    Mapped *m = b->obj;
    Py_ssize_t cap = m->mapped;
    while (cap < size)
        cap *= 2;
    cap = size_class(cap);
#if defined(OUTBUF_MAPPED) && defined(__linux__)
    void *moved = mremap(m->data, (size_t)m->mapped, (size_t)cap, MREMAP_MAYMOVE);
    if (moved == MAP_FAILED)
        return -1;
    m->data = moved;
#else
    unsigned char *grown = reserve(cap);
    if (!grown)
        return -1;
    memcpy(grown, m->data, (size_t)m->mapped);
    release(m->data, m->mapped);
    m->data = grown;
#endif
    m->mapped = cap;
    return 0;
}

/* The finished buffer, ``used`` bytes long (-1: as allocated), the pages past them given back;
 * a new reference. */
static PyObject *outbuf_finish(OutBuf *b, Py_ssize_t used) {
    Mapped *m = b->obj;
    if (!m)
        return NULL;
    if (used >= 0) {
        m->len = used;
#ifdef OUTBUF_MAPPED
        Py_ssize_t keep = size_class(used);  /* its class: the next chunk's buffer fits */
        if (keep < m->mapped) {
            munmap(m->data + keep, (size_t)(m->mapped - keep));
            m->mapped = keep;
        }
#endif
    }
    b->obj = NULL;
    return (PyObject *)m;
}

static inline void outbuf_clear(OutBuf *b) { Py_CLEAR(b->obj); }

#endif
