/*
 * ds_live.c — live capture from a network interface through libpcap.
 *
 * libpcap's own read timeout cannot bound a wait on Linux: with TPACKET_V3 the kernel
 * only hands over a buffer block once it holds a packet, so on an idle interface
 * pcap_next_ex() can block forever. We therefore put the handle in non-blocking mode
 * and wait ourselves with poll() on its selectable descriptor, bounded by the caller's
 * timeout (DS_CAP_TIMEOUT when it expires). The same poll() watches a self-pipe that
 * ds_capture_break() writes to, so a break from another thread or a signal handler
 * wakes the reader at once; write() and an atomic store are async-signal-safe.
 *
 * Timestamps are requested in nanoseconds when the platform offers them. The capture
 * buffer is made large (64 MiB), because a telescope sees bursts (a worm outbreak, a
 * scan) that a default 2 MiB kernel buffer would drop.
 */
#include "capture/ds_capture_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DS_LIVE_BUFFER (64 << 20)
#define DS_LIVE_DEFAULT_SNAPLEN 262144

typedef struct ds_live {
    pcap_t *p;
    int wake[2]; /* self-pipe written by ds_capture_break */
    int fd;      /* libpcap's selectable descriptor, -1 when there is none */
    int timeout_ms;
    uint16_t linktype;
    int64_t frac_mul;
    uint64_t frames;
} ds_live;

/* pcap_datalink() gives a DLT_ value; the few that differ from the LINKTYPE_ value
 * written in files are mapped back, so frames look the same live and from a file. */
static uint16_t ds_dlt_to_linktype(int dlt)
{
#ifdef DLT_RAW
    if (dlt == DLT_RAW)
        return 101;
#endif
#ifdef DLT_ATM_RFC1483
    if (dlt == DLT_ATM_RFC1483)
        return 100;
#endif
    return (uint16_t)dlt;
}

static int ds_live_next(ds_capture *c, ds_frame *f)
{
    ds_live *l = c->live;
    int remaining = l->timeout_ms; /* -1: wait forever */
    bool waited = false;
    for (;;) {
        if (atomic_load(&c->stop))
            return ds_cap_eof(c);
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(l->p, &h, &data);
        if (r == 1) {
            f->ts_ns = (int64_t)h->ts.tv_sec * DS_NS_PER_SEC + (int64_t)h->ts.tv_usec * l->frac_mul;
            f->caplen = h->caplen;
            f->wirelen = h->len;
            f->linktype = l->linktype;
            f->data = data;
            f->offset = l->frames++; /* no file offset live: the frame's index */
            return DS_CAP_FRAME;
        }
        if (r == PCAP_ERROR_BREAK)
            return ds_cap_eof(c);
        if (r < 0)
            return ds_cap_fail(c, UINT64_MAX, "%s", pcap_geterr(l->p));
        if (waited)
            return DS_CAP_TIMEOUT;
        /* Without a selectable descriptor, poll the wake pipe in 10 ms slices. */
        int slice = l->fd >= 0 ? remaining : (remaining < 0 || remaining > 10 ? 10 : remaining);
        struct pollfd pfd[2] = {{.fd = l->wake[0], .events = POLLIN},
                                {.fd = l->fd, .events = POLLIN}};
        int n = poll(pfd, l->fd >= 0 ? 2 : 1, slice);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ds_cap_fail(c, UINT64_MAX, "poll: %s", strerror(errno));
        }
        if (l->fd >= 0) {
            if (n == 0)
                return DS_CAP_TIMEOUT;
            /* Readable: one more try, then report a timeout rather than spin. */
            waited = remaining >= 0;
        } else if (remaining >= 0) {
            remaining -= slice;
            waited = remaining <= 0;
        }
    }
}

void ds_live_close(ds_capture *c)
{
    ds_live *l = c->live;
    if (l->p)
        pcap_close(l->p);
    close(l->wake[0]);
    close(l->wake[1]);
    free(l);
    c->live = NULL;
}

ds_capture *ds_capture_open_live(const char *iface, const char *bpf, int snaplen, int timeout_ms,
                                 char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        return NULL;
    }
    if (timeout_ms <= 0)
        timeout_ms = -1; /* poll() forever; libpcap still gets a buffer timeout below */
    pcap_set_snaplen(p, snaplen > 0 ? snaplen : DS_LIVE_DEFAULT_SNAPLEN);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, timeout_ms > 0 && timeout_ms < 1000 ? timeout_ms : 1000);
    pcap_set_buffer_size(p, DS_LIVE_BUFFER);
    bool nano = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;
    int r = pcap_activate(p);
    if (r < 0) {
        const char *why = r == PCAP_ERROR_PERM_DENIED
                              ? "permission denied (live capture needs root or CAP_NET_RAW)"
                              : pcap_geterr(p);
        if (!why || !*why)
            why = pcap_statustostr(r);
        snprintf(err, errlen, "%s: %s", iface, why);
        pcap_close(p);
        return NULL;
    }
    if (bpf && *bpf) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
            snprintf(err, errlen, "%s: bad filter \"%s\": %s", iface, bpf, pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
        r = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (r < 0) {
            snprintf(err, errlen, "%s: cannot set filter: %s", iface, pcap_geterr(p));
            pcap_close(p);
            return NULL;
        }
    }
    if (pcap_setnonblock(p, 1, ebuf) < 0) {
        snprintf(err, errlen, "%s: %s", iface, ebuf);
        pcap_close(p);
        return NULL;
    }
    ds_live *l = ds_xcalloc(1, sizeof *l);
    if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "%s: pipe: %s", iface, strerror(errno));
        pcap_close(p);
        free(l);
        return NULL;
    }
    l->p = p;
    l->fd = pcap_get_selectable_fd(p);
    l->timeout_ms = timeout_ms;
    l->linktype = ds_dlt_to_linktype(pcap_datalink(p));
    l->frac_mul = nano && pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;

    ds_capture *c = ds_xcalloc(1, sizeof *c);
    atomic_init(&c->stop, 0);
    c->live = l;
    c->next = ds_live_next;
    c->format = "live";
    c->byte_order = "host";
    ds_cap_add_linktype(c, l->linktype);
    return c;
}

void ds_capture_break(ds_capture *c)
{
    atomic_store(&c->stop, 1);
    ds_live *l = c->live;
    if (l) {
        pcap_breakloop(l->p);
        ssize_t w = write(l->wake[1], "x", 1);
        (void)w;
    }
}

uint64_t ds_capture_dropped(const ds_capture *c)
{
    const ds_live *l = c->live;
    struct pcap_stat st;
    if (!l || pcap_stats(l->p, &st) < 0)
        return 0;
    return st.ps_drop;
}
