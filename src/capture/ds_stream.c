/*
 * ds_stream.c — opening an input as a byte window, the generic refill, and the
 * peeling of compression layers (the codecs themselves are in ds_decompress.c).
 *
 * Sources: a regular file is mapped read-only, so reading it costs no copy (the
 * kernel pages it in ahead of us, helped by MADV_SEQUENTIAL). The window over the
 * mapping is DS_MAP_WINDOW bytes at a time, and each time it moves on, the pages
 * wholly behind the cursor are dropped with MADV_DONTNEED: mapped file pages count in
 * the process's resident memory, so without that a 100 GB capture would show a
 * 100 GB RSS (and push other processes' pages out first). The cost is one madvise
 * call per window, a few hundred for a 1.5 GB file; read() into a ring would instead
 * copy every byte once. Dropping a page of a private read-only file mapping is always
 * safe: touching it again only faults it back in from the page cache. Everything else (pipes,
 * FIFOs, standard input, character devices, files the kernel will not map) is read with read()
 * calls of DS_STREAM_BUFSIZE bytes into a buffer. A caller's memory block is a window too.
 *
 * A compressed mapped file is decompressed on a thread of its own (ds_pipe below):
 * the codec chain runs there and hands the decompressed bytes over in 1 MiB chunks,
 * so on two cores decompression and analysis overlap instead of adding up.
 *
 * ds_stream_fill() is the one slow path of every buffered layer: when the window is
 * too short it slides the unconsumed tail to the front of the buffer (so a record
 * split by the buffer's end becomes contiguous), grows the buffer if the record is
 * longer than it, and calls the layer's produce() hook until enough bytes are there.
 *
 * The one hazard of the mapping: if another process truncates the file while we
 * read it, touching the vanished pages raises SIGBUS, which would kill the run. A
 * guard catches it (ds_guard_*): every mapping is registered, and a SIGBUS inside
 * one replaces the vanished page by a page of 0xff bytes and notes the offset. No
 * record header can be all ones (a caplen or block length of 0xffffffff is refused),
 * so the parser stops at the next record with an error, which ds_capture turns into
 * "the file shrank while it was being read". Reading with read() instead would cost
 * a copy of every byte; the guard costs nothing until the file really shrinks.
 */
#include "capture/ds_stream_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const uint8_t ds_empty_window[1];

static void ds_append_note(char *dst, size_t cap, const char *note)
{
    size_t used = strlen(dst);
    if (used + 3 >= cap)
        return;
    snprintf(dst + used, cap - used, "%s%s", used ? "; " : "", note);
}

int ds_layer_error(ds_layer *L, uint64_t in_off, const char *reason)
{
    ds_stream_shared *sh = L->sh;
    const char *name = ds_codec_name(L->codec);
    if (L->depth <= 1)
        snprintf(sh->err, sizeof sh->err, "compressed offset %" PRIu64 ": corrupt %s data (%s)",
                 in_off, name, reason);
    else
        snprintf(sh->err, sizeof sh->err,
                 "offset %" PRIu64 " in the input of compression layer %d (%s, inside %s): "
                 "corrupt %s data (%s)",
                 in_off, L->depth, name, ds_codec_name(L->below->codec), name, reason);
    L->failed = true;
    return -1;
}

void ds_layer_warn(ds_layer *L, uint64_t in_off, const char *what)
{
    char note[256];
    if (L->depth <= 1)
        snprintf(note, sizeof note, "compressed offset %" PRIu64 ": %s %s", in_off,
                 ds_codec_name(L->codec), what);
    else
        snprintf(note, sizeof note,
                 "offset %" PRIu64 " in the input of compression layer %d: %s %s", in_off, L->depth,
                 ds_codec_name(L->codec), what);
    ds_append_note(L->sh->warn, sizeof L->sh->warn, note);
}

/* ---- sources ------------------------------------------------------------------ */

/* Set by the CLI to its signal flag: a read() interrupted by SIGINT/SIGTERM then ends
 * the input instead of blocking again on a pipe that may never deliver more. The one
 * piece of process-wide state here, because a signal is process-wide too. */
static volatile sig_atomic_t *ds_interrupt_flag;

void ds_stream_set_interrupt(volatile sig_atomic_t *flag)
{
    ds_interrupt_flag = flag;
}

static int ds_fd_produce(ds_layer *L)
{
    for (;;) {
        ssize_t got = read(L->fd, (uint8_t *)L->win.end, ds_layer_room(L));
        if (got > 0) {
            L->win.end += got;
            return 0;
        }
        if (got == 0) {
            L->eof = true;
            return 0;
        }
        if (errno == EINTR) {
            if (ds_interrupt_flag && *ds_interrupt_flag) {
                ds_append_note(L->sh->warn, sizeof L->sh->warn, "reading interrupted by a signal");
                L->eof = true;
                return 0;
            }
            continue;
        }
        snprintf(L->sh->err, sizeof L->sh->err, "read error at offset %" PRIu64 ": %s",
                 L->win.base_off + (uint64_t)(L->win.end - L->win.base), strerror(errno));
        L->failed = true;
        return -1;
    }
}

/* ---- the SIGBUS guard of mapped files ------------------------------------------ */

/* Mappings being read, process-wide because a signal is (like the interrupt flag).
 * A slot is free when lo is 0; vanished is 1 + the file offset of the first page
 * that disappeared, 0 while none has. More simultaneous mappings than slots simply
 * go unguarded. */
#define DS_GUARD_SLOTS 256
static struct {
    _Atomic uintptr_t lo, hi;
    _Atomic uint64_t vanished;
} ds_guard[DS_GUARD_SLOTS];
static struct sigaction ds_guard_prev;
static pthread_once_t ds_guard_once = PTHREAD_ONCE_INIT;

static void ds_guard_handler(int sig, siginfo_t *si, void *ctx)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    for (int i = 0; si->si_code > 0 && i < DS_GUARD_SLOTS; i++) {
        uintptr_t lo = atomic_load(&ds_guard[i].lo), hi = atomic_load(&ds_guard[i].hi);
        if (!lo || a < lo || a >= hi)
            continue;
        uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t pg = a & ~(ps - 1);
        void *p = mmap((void *)pg, ps, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (p == MAP_FAILED)
            break;
        memset(p, 0xff, ps);
        uint64_t at = (uint64_t)(pg - lo) + 1, was = atomic_load(&ds_guard[i].vanished);
        while ((was == 0 || at < was) &&
               !atomic_compare_exchange_weak(&ds_guard[i].vanished, &was, at))
            ;
        return; /* the faulting read is retried and sees the 0xff page */
    }
    /* Not ours: what would have happened without the guard. */
    if (ds_guard_prev.sa_flags & SA_SIGINFO) {
        ds_guard_prev.sa_sigaction(sig, si, ctx);
    } else if (ds_guard_prev.sa_handler != SIG_DFL && ds_guard_prev.sa_handler != SIG_IGN) {
        ds_guard_prev.sa_handler(sig);
    } else {
        signal(sig, SIG_DFL);
        if (si->si_code <= 0)
            raise(sig); /* sent by kill(); a fault repeats by itself on return */
    }
}

static void ds_guard_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = ds_guard_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &ds_guard_prev);
}

static int ds_guard_add(const void *map, size_t len)
{
    pthread_once(&ds_guard_once, ds_guard_install);
    for (int i = 0; i < DS_GUARD_SLOTS; i++) {
        uintptr_t expect = 0;
        if (atomic_compare_exchange_strong(&ds_guard[i].hi, &expect, (uintptr_t)map + len)) {
            atomic_store(&ds_guard[i].vanished, 0);
            atomic_store(&ds_guard[i].lo, (uintptr_t)map);
            return i;
        }
    }
    return -1;
}

static void ds_guard_remove(int i)
{
    if (i < 0)
        return;
    atomic_store(&ds_guard[i].lo, 0);
    atomic_store(&ds_guard[i].hi, 0);
}

bool ds_stream_shrank(const ds_stream *s, uint64_t *offset)
{
    const ds_layer *B = ((const ds_layer *)s)->sh->bottom;
    if (!B->map || B->guard < 0)
        return false;
    uint64_t v = atomic_load(&ds_guard[B->guard].vanished);
    if (v && offset)
        *offset = v - 1;
    return v != 0;
}

/* Bytes of a mapped file made visible at a time, and dropped behind the cursor at a
 * time: big enough that the per-window call is nothing per packet, small enough that
 * the mapped part of a capture stays a few MiB of RSS. */
#define DS_MAP_WINDOW (8u << 20)

/* The produce() of a mapped file: moves the window's end on, dropping the pages the
 * cursor has left behind. */
static int ds_map_produce(ds_layer *L)
{
    const uint8_t *mend = (const uint8_t *)L->map + L->maplen;
    if (L->win.end >= mend) {
        L->eof = true;
        return 0;
    }
    uintptr_t ps = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t behind = (uintptr_t)L->win.cur & ~(ps - 1);
    if (behind > L->dropped + DS_MAP_WINDOW) {
        madvise((void *)L->dropped, behind - L->dropped, MADV_DONTNEED);
        L->dropped = behind;
    }
    size_t left = (size_t)(mend - L->win.end);
    L->win.end += left < DS_MAP_WINDOW ? left : DS_MAP_WINDOW;
    return 0;
}

static void ds_source_destroy(ds_layer *L)
{
    if (L->map) {
        ds_guard_remove(L->guard);
        munmap(L->map, L->maplen);
    }
    if (L->own_fd && L->fd >= 0)
        close(L->fd);
}

static ds_layer *ds_layer_new(ds_stream_shared *sh, size_t bufsize)
{
    ds_layer *L = ds_xcalloc(1, sizeof *L);
    L->sh = sh;
    L->fd = -1;
    L->guard = -1;
    if (bufsize) {
        L->buf = ds_xmalloc(bufsize);
        L->cap = bufsize;
        L->win.cur = L->win.end = L->win.base = L->buf;
    } else {
        L->win.cur = L->win.end = L->win.base = ds_empty_window;
    }
    return L;
}

static ds_layer *ds_source_new(void)
{
    ds_stream_shared *sh = ds_xcalloc(1, sizeof *sh);
    ds_layer *L = ds_layer_new(sh, 0);
    sh->bottom = L;
    L->destroy = ds_source_destroy;
    return L;
}

static void ds_source_set_window(ds_layer *L, const void *data, size_t n)
{
    L->win.cur = L->win.base = data ? data : ds_empty_window;
    L->win.end = L->win.cur + n;
}

static void ds_source_make_reader(ds_layer *L, int fd)
{
    L->fd = fd;
    L->buf = ds_xmalloc(DS_STREAM_BUFSIZE);
    L->cap = DS_STREAM_BUFSIZE;
    L->win.cur = L->win.end = L->win.base = L->buf;
    L->produce = ds_fd_produce;
}

/* ---- the generic slow path ----------------------------------------------------- */

/* Makes room for n bytes from cur: slides the window to the front of the buffer when
 * the record would not fit behind it or when little room is left for the next
 * produce() (tiny reads would cost a call each), growing the buffer when needed. */
static void ds_layer_make_room(ds_layer *L, size_t n)
{
    size_t have = ds_stream_avail(&L->win);
    size_t from_cur = (size_t)(L->buf + L->cap - L->win.cur);
    if (from_cur >= n && ds_layer_room(L) >= L->cap / 4)
        return;
    uint8_t *dst = L->buf;
    if (n > L->cap) {
        size_t ncap = L->cap;
        while (ncap < n)
            ncap *= 2;
        dst = ds_xmalloc(ncap);
        memcpy(dst, L->win.cur, have);
        free(L->buf);
        L->buf = dst;
        L->cap = ncap;
    } else if (L->win.cur != L->buf) {
        memmove(dst, L->win.cur, have);
    }
    L->win.base_off += (uint64_t)(L->win.cur - L->win.base);
    L->win.base = L->win.cur = dst;
    L->win.end = dst + have;
}

int ds_stream_fill(ds_stream *s, size_t n)
{
    ds_layer *L = (ds_layer *)s;
    if (ds_stream_avail(s) >= n)
        return 1;
    if (L->failed)
        return -1;
    if (n > DS_STREAM_MAX_CONTIG) {
        snprintf(L->sh->err, sizeof L->sh->err,
                 "offset %" PRIu64 ": a record of %zu bytes exceeds the %u-byte limit",
                 ds_stream_offset(s), n, DS_STREAM_MAX_CONTIG);
        L->failed = true;
        return -1;
    }
    while (ds_stream_avail(s) < n) {
        if (L->eof || !L->produce)
            return 0;
        if (!L->map) /* a mapping needs no room: its window only moves on */
            ds_layer_make_room(L, n);
        if (L->produce(L) < 0) {
            /* What the decoder made before it met the error is served first, so the
             * frames before a corruption do not depend on how much input the decoder
             * had at once (the whole file in one call, or a pipe's few bytes). */
            L->failed = true;
            return ds_stream_avail(s) >= n ? 1 : -1;
        }
    }
    return 1;
}

/* ---- the decompression thread -------------------------------------------------- */

/* The layer on top of a compressed mapped file: a thread drives the codec chain below
 * it (ds_stream_fill on the top codec, as the parser would) and copies what comes out
 * into a ring of chunks; this layer's produce() copies chunks into its own buffer.
 * The thread never touches this layer's window, and the parser never touches the
 * codec layers, so the only shared state is the ring, under the mutex. An error or a
 * warning is written into the shared err/warn by the thread before it marks itself
 * done under the mutex, and read by the parser only after it saw that mark. Only for
 * mapped files: the thread then never blocks in read(), so a signal cannot leave it
 * waiting for a pipe that delivers nothing. */
#define DS_PIPE_CHUNK (1u << 20)
#define DS_PIPE_SLOTS 4

typedef struct ds_pipe {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    ds_layer *inner; /* top of the codec chain, driven by the thread */
    uint8_t *chunk[DS_PIPE_SLOTS];
    size_t len[DS_PIPE_SLOTS];
    size_t head, tail; /* chunks [head, tail) are full, in order */
    size_t off;        /* bytes of chunk head already taken */
    bool done;         /* the thread has delivered everything (or failed) */
    bool failed;
    bool stop; /* the stream is being closed */
} ds_pipe;

static void *ds_pipe_main(void *arg)
{
    ds_pipe *P = arg;
    ds_stream *in = &P->inner->win;
    for (;;) {
        pthread_mutex_lock(&P->mu);
        while (!P->stop && P->tail - P->head == DS_PIPE_SLOTS)
            pthread_cond_wait(&P->cv, &P->mu);
        bool stop = P->stop;
        pthread_mutex_unlock(&P->mu);
        if (stop)
            return NULL;
        uint8_t *dst = P->chunk[P->tail % DS_PIPE_SLOTS];
        size_t n = 0;
        int more = 1;
        while (n < DS_PIPE_CHUNK) {
            if (!ds_stream_avail(in) && (more = ds_stream_fill(in, 1)) <= 0)
                break;
            size_t k = ds_stream_avail(in);
            if (k > DS_PIPE_CHUNK - n)
                k = DS_PIPE_CHUNK - n;
            memcpy(dst + n, in->cur, k);
            in->cur += k;
            n += k;
        }
        atomic_store(&P->inner->sh->pipe_bottom_off, ds_stream_offset(&P->inner->sh->bottom->win));
        pthread_mutex_lock(&P->mu);
        if (n) {
            P->len[P->tail % DS_PIPE_SLOTS] = n;
            P->tail++;
        }
        if (more <= 0) {
            P->done = true;
            P->failed = more < 0;
        }
        pthread_cond_broadcast(&P->cv);
        pthread_mutex_unlock(&P->mu);
        if (more <= 0)
            return NULL;
    }
}

static int ds_pipe_produce(ds_layer *L)
{
    ds_pipe *P = L->codec_state;
    pthread_mutex_lock(&P->mu);
    while (P->head == P->tail && !P->done)
        pthread_cond_wait(&P->cv, &P->mu);
    if (P->head == P->tail) {
        bool failed = P->failed;
        pthread_mutex_unlock(&P->mu);
        if (failed)
            return -1; /* the reason is in sh->err */
        L->eof = true;
        return 0;
    }
    size_t slot = P->head % DS_PIPE_SLOTS;
    const uint8_t *src = P->chunk[slot] + P->off;
    size_t k = P->len[slot] - P->off;
    pthread_mutex_unlock(&P->mu);
    /* The thread leaves a full chunk alone until head moves past it. */
    if (k > ds_layer_room(L))
        k = ds_layer_room(L);
    memcpy((uint8_t *)L->win.end, src, k);
    L->win.end += k;
    pthread_mutex_lock(&P->mu);
    P->off += k;
    if (P->off == P->len[slot]) {
        P->off = 0;
        P->head++;
        pthread_cond_broadcast(&P->cv);
    }
    pthread_mutex_unlock(&P->mu);
    return 0;
}

/* Stops and joins the thread; the codec layers below are freed after this. */
static void ds_pipe_destroy(ds_layer *L)
{
    ds_pipe *P = L->codec_state;
    pthread_mutex_lock(&P->mu);
    P->stop = true;
    pthread_cond_broadcast(&P->cv);
    pthread_mutex_unlock(&P->mu);
    pthread_join(P->th, NULL);
    pthread_mutex_destroy(&P->mu);
    pthread_cond_destroy(&P->cv);
    for (int i = 0; i < DS_PIPE_SLOTS; i++)
        free(P->chunk[i]);
    free(P);
    L->sh->piped = false;
}

/* Puts a pipe layer on top of the codec chain `top`; returns the new top, or top
 * itself when no thread can be started. */
static ds_layer *ds_pipe_new(ds_layer *top)
{
    ds_pipe *P = ds_xcalloc(1, sizeof *P);
    P->inner = top;
    for (int i = 0; i < DS_PIPE_SLOTS; i++)
        P->chunk[i] = ds_xmalloc(DS_PIPE_CHUNK);
    pthread_mutex_init(&P->mu, NULL);
    pthread_cond_init(&P->cv, NULL);
    ds_layer *L = ds_layer_new(top->sh, DS_STREAM_BUFSIZE);
    L->below = top;
    L->depth = top->depth;
    L->codec_state = P;
    L->produce = ds_pipe_produce;
    /* Offsets of this layer are the decompressed offsets, as the top codec's are. */
    L->win.base_off = ds_stream_offset(&top->win);
    atomic_store(&top->sh->pipe_bottom_off, ds_stream_offset(&top->sh->bottom->win));
    if (pthread_create(&P->th, NULL, ds_pipe_main, P) != 0) {
        pthread_mutex_destroy(&P->mu);
        pthread_cond_destroy(&P->cv);
        for (int i = 0; i < DS_PIPE_SLOTS; i++)
            free(P->chunk[i]);
        free(P);
        free(L->buf);
        free(L);
        return top;
    }
    L->destroy = ds_pipe_destroy;
    top->sh->piped = true;
    return L;
}

/* ---- opening ------------------------------------------------------------------ */

static void ds_layer_free(ds_layer *L)
{
    if (L->destroy)
        L->destroy(L);
    free(L->buf);
    free(L);
}

void ds_stream_close(ds_stream *s)
{
    if (!s)
        return;
    ds_layer *L = (ds_layer *)s;
    ds_stream_shared *sh = L->sh;
    while (L) {
        ds_layer *below = L->below;
        ds_layer_free(L);
        L = below;
    }
    free(sh);
}

/* Stacks decompressors on the source as long as the visible bytes start with a
 * compression magic. Takes ownership of src. */
static ds_stream *ds_stream_peel(ds_layer *src, const char *name, char *err, size_t errlen)
{
    ds_layer *top = src;
    ds_stream_shared *sh = src->sh;
    for (;;) {
        if (ds_stream_fill(&top->win, 6) < 0) {
            snprintf(err, errlen, "%s: %s", name, sh->err);
            ds_stream_close(&top->win);
            return NULL;
        }
        enum ds_codec c = ds_codec_sniff(top->win.cur, ds_stream_avail(&top->win));
        if (c == DS_CODEC_NONE)
            break;
        if (sh->nlayers >= DS_STREAM_MAX_LAYERS) {
            snprintf(err, errlen, "%s: more than %d nested compression layers (%s+...)", name,
                     DS_STREAM_MAX_LAYERS, sh->chain);
            ds_stream_close(&top->win);
            return NULL;
        }
        ds_layer *L = ds_layer_new(sh, DS_STREAM_BUFSIZE);
        L->below = top;
        L->depth = ++sh->nlayers;
        L->codec = c;
        top = L;
        size_t used = strlen(sh->chain);
        snprintf(sh->chain + used, sizeof sh->chain - used, "%s%s", used ? "+" : "",
                 ds_codec_name(c));
        if (ds_codec_init(L, c) < 0) {
            snprintf(err, errlen, "%s: %s", name, sh->err);
            ds_stream_close(&top->win);
            return NULL;
        }
    }
    if (sh->nlayers > 0 && sh->bottom->map)
        top = ds_pipe_new(top);
    return &top->win;
}

ds_stream *ds_stream_open_mem(const void *data, size_t n, const char *name, char *err,
                              size_t errlen)
{
    ds_layer *L = ds_source_new();
    ds_source_set_window(L, data, n);
    L->sh->file_size = n;
    return ds_stream_peel(L, name, err, errlen);
}

/* Sets up a source layer over fd (which the layer then owns when own is set). */
static ds_stream *ds_stream_from_fd(int fd, bool own, const char *name, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        if (own)
            close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a capture file", name);
        if (own)
            close(fd);
        return NULL;
    }
    ds_layer *L = ds_source_new();
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        L->sh->file_size = (uint64_t)st.st_size;
        /* The window starts at the descriptor's position, which is not 0 when a
         * parent read part of a redirected stdin; offsets stay file offsets. */
        off_t pos = lseek(fd, 0, SEEK_CUR);
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map != MAP_FAILED && pos >= 0 && pos <= st.st_size) {
            madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
            L->map = map;
            L->maplen = (size_t)st.st_size;
            L->guard = ds_guard_add(map, L->maplen);
            size_t left = (size_t)(st.st_size - pos);
            ds_source_set_window(L, (const uint8_t *)map + pos,
                                 left < DS_MAP_WINDOW ? left : DS_MAP_WINDOW);
            L->win.base = map; /* offsets count from the start of the file */
            L->dropped = (uintptr_t)map;
            L->produce = ds_map_produce;
            if (own)
                close(fd);
            return ds_stream_peel(L, name, err, errlen);
        }
        if (map != MAP_FAILED)
            munmap(map, (size_t)st.st_size);
    }
    ds_source_make_reader(L, fd);
    L->own_fd = own;
    return ds_stream_peel(L, name, err, errlen);
}

ds_stream *ds_stream_open_fd(int fd, const char *name, char *err, size_t errlen)
{
    return ds_stream_from_fd(fd, false, name, err, errlen);
}

ds_stream *ds_stream_open(const char *path, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0)
        return ds_stream_from_fd(STDIN_FILENO, false, "stdin", err, errlen);
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    return ds_stream_from_fd(fd, true, path, err, errlen);
}

/* ---- accessors ---------------------------------------------------------------- */

const char *ds_stream_compression(const ds_stream *s)
{
    const ds_layer *L = (const ds_layer *)s;
    return L->sh->nlayers ? L->sh->chain : "none";
}

int ds_stream_layers(const ds_stream *s)
{
    return ((const ds_layer *)s)->sh->nlayers;
}

const char *ds_stream_error(const ds_stream *s)
{
    const ds_layer *L = (const ds_layer *)s;
    return L->sh->err[0] ? L->sh->err : NULL;
}

const char *ds_stream_warning(const ds_stream *s)
{
    const ds_layer *L = (const ds_layer *)s;
    return L->sh->warn[0] ? L->sh->warn : NULL;
}

const char *ds_stream_pending_error(const ds_stream *s)
{
    const ds_layer *L = (const ds_layer *)s;
    if (L->produce == ds_pipe_produce) {
        /* The thread writes sh->err before it marks itself done and failed. */
        ds_pipe *P = L->codec_state;
        pthread_mutex_lock(&P->mu);
        bool failed = P->done && P->failed;
        pthread_mutex_unlock(&P->mu);
        return failed ? L->sh->err : NULL;
    }
    for (; L; L = L->below)
        if (L->failed)
            return L->sh->err;
    return NULL;
}

uint64_t ds_stream_bytes_read(const ds_stream *s)
{
    const ds_layer *L = (const ds_layer *)s;
    if (L->sh->piped) /* the bottom window belongs to the thread */
        return atomic_load(&L->sh->pipe_bottom_off);
    return ds_stream_offset(&L->sh->bottom->win);
}

uint64_t ds_stream_file_size(const ds_stream *s)
{
    const ds_layer *L = (const ds_layer *)s;
    return L->sh->file_size;
}

/* ---- chunked memory source (tests, fuzzing) --------------------------------------- */

typedef struct ds_memchunk {
    const uint8_t *data;
    size_t n, pos, chunk;
} ds_memchunk;

/* Hands out at most `chunk` bytes per call, like a pipe that delivers little at a
 * time, so tests can put every record and member boundary across a refill. */
static int ds_memchunk_produce(ds_layer *L)
{
    ds_memchunk *m = L->codec_state;
    size_t k = m->n - m->pos;
    if (k > m->chunk)
        k = m->chunk;
    if (k > ds_layer_room(L))
        k = ds_layer_room(L);
    if (k == 0) {
        L->eof = true;
        return 0;
    }
    memcpy((uint8_t *)L->win.end, m->data + m->pos, k);
    m->pos += k;
    L->win.end += k;
    return 0;
}

static void ds_memchunk_destroy(ds_layer *L)
{
    free(L->codec_state);
}

ds_stream *ds_stream_open_mem_chunked(const void *data, size_t n, size_t chunk, const char *name,
                                      char *err, size_t errlen)
{
    ds_layer *L = ds_source_new();
    ds_memchunk *m = ds_xcalloc(1, sizeof *m);
    m->data = data;
    m->n = n;
    m->chunk = chunk ? chunk : 1;
    L->codec_state = m;
    L->destroy = ds_memchunk_destroy;
    L->buf = ds_xmalloc(DS_STREAM_BUFSIZE);
    L->cap = DS_STREAM_BUFSIZE;
    L->win.cur = L->win.end = L->win.base = L->buf;
    L->produce = ds_memchunk_produce;
    L->sh->file_size = n;
    return ds_stream_peel(L, name, err, errlen);
}
