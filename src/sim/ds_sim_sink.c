/*
 * ds_sim_sink.c — a bounded ring of chunks between the generator and the writer
 * thread (see the header). A record is a 16-byte header (timestamp, length,
 * monitor) and the frame. Sixteen 1-MiB chunks let the faster side run ahead by a
 * few hundred thousand packets without unbounded memory.
 */
#include "sim/ds_sim_sink.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define DS_SINK_CHUNK (1u << 20)
#define DS_SINK_NCHUNKS 16
#define DS_SINK_HDR 16

typedef struct ds_sink_chunk {
    uint8_t *buf;
    size_t len;
    bool ready; /* filled, waiting for the writer */
} ds_sink_chunk;

struct ds_sim_sink {
    ds_pcap_writer *const *w;
    int n;
    ds_sink_chunk c[DS_SINK_NCHUNKS];
    size_t prod, cons; /* chunk indices, modulo DS_SINK_NCHUNKS */
    bool done;
    pthread_mutex_t mu;
    pthread_cond_t filled, drained;
    pthread_t thread;
};

static void ds_sink_drain(ds_sim_sink *s, const ds_sink_chunk *c)
{
    size_t off = 0;
    while (off < c->len) {
        int64_t ts;
        uint16_t len;
        uint8_t mon;
        memcpy(&ts, c->buf + off, 8);
        memcpy(&len, c->buf + off + 8, 2);
        mon = c->buf[off + 10];
        ds_pcap_writer_add(s->w[mon], ts, c->buf + off + DS_SINK_HDR, len, len);
        off += DS_SINK_HDR + len;
    }
}

static void *ds_sink_main(void *arg)
{
    ds_sim_sink *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        ds_sink_chunk *c = &s->c[s->cons % DS_SINK_NCHUNKS];
        while (!c->ready && !s->done)
            pthread_cond_wait(&s->filled, &s->mu);
        bool ready = c->ready;
        pthread_mutex_unlock(&s->mu);
        if (!ready)
            return NULL; /* done and nothing left */
        ds_sink_drain(s, c);
        pthread_mutex_lock(&s->mu);
        c->ready = false;
        c->len = 0;
        s->cons++;
        pthread_cond_signal(&s->drained);
        pthread_mutex_unlock(&s->mu);
    }
}

ds_sim_sink *ds_sim_sink_new(ds_pcap_writer *const *writers, int n)
{
    ds_sim_sink *s = ds_xcalloc(1, sizeof *s);
    s->w = writers;
    s->n = n;
    for (int i = 0; i < DS_SINK_NCHUNKS; i++)
        s->c[i].buf = ds_xmalloc(DS_SINK_CHUNK);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->filled, NULL);
    pthread_cond_init(&s->drained, NULL);
    if (pthread_create(&s->thread, NULL, ds_sink_main, s) != 0) {
        fprintf(stderr, "darkscope: cannot start a thread\n");
        exit(3);
    }
    return s;
}

/* Passes the current chunk to the writer and waits for the next one to be free. */
static void ds_sink_handoff(ds_sim_sink *s)
{
    pthread_mutex_lock(&s->mu);
    s->c[s->prod % DS_SINK_NCHUNKS].ready = true;
    s->prod++;
    pthread_cond_signal(&s->filled);
    while (s->c[s->prod % DS_SINK_NCHUNKS].ready)
        pthread_cond_wait(&s->drained, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

uint8_t *ds_sim_sink_reserve(ds_sim_sink *s, size_t maxlen)
{
    ds_sink_chunk *c = &s->c[s->prod % DS_SINK_NCHUNKS];
    if (c->len + DS_SINK_HDR + maxlen > DS_SINK_CHUNK) {
        ds_sink_handoff(s);
        c = &s->c[s->prod % DS_SINK_NCHUNKS];
    }
    return c->buf + c->len + DS_SINK_HDR;
}

void ds_sim_sink_commit(ds_sim_sink *s, int64_t ts_ns, int monitor, size_t len)
{
    ds_sink_chunk *c = &s->c[s->prod % DS_SINK_NCHUNKS];
    uint8_t *h = c->buf + c->len;
    uint16_t l = (uint16_t)len;
    memcpy(h, &ts_ns, 8);
    memcpy(h + 8, &l, 2);
    h[10] = (uint8_t)monitor;
    c->len += DS_SINK_HDR + len;
}

void ds_sim_sink_close(ds_sim_sink *s)
{
    if (s->c[s->prod % DS_SINK_NCHUNKS].len)
        ds_sink_handoff(s);
    pthread_mutex_lock(&s->mu);
    s->done = true;
    pthread_cond_signal(&s->filled);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    for (int i = 0; i < DS_SINK_NCHUNKS; i++)
        free(s->c[i].buf);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->filled);
    pthread_cond_destroy(&s->drained);
    free(s);
}
