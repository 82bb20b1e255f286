/*
 * ds_source.h — one input as a time-ordered stream of classified packet records.
 *
 * A source reads frames from its capture, decodes them, looks up the monitor,
 * classifies and matches signatures (while the frame is still in the reader's
 * buffer), counts everything per input, and keeps the records in a reorder ring:
 * a record is released only when no later frame can precede it, i.e. when it is
 * older than the newest timestamp of the input minus the tolerance (default 1 s),
 * or at end of input. A frame that goes back further than the tolerance cannot be
 * put in order any more: it is counted (`out_of_order`) and its time is raised to
 * that of the last released record, so the analyzers always see time that never
 * goes backwards. Packets outside every monitor and frames that are not IP or are
 * malformed are counted here and never reach the ring.
 */
#ifndef DS_SOURCE_H
#define DS_SOURCE_H

#include "capture/ds_capture.h"
#include "core/ds_distinct.h"
#include "decode/ds_packet.h"
#include "telescope/ds_signature.h"
#include "telescope/ds_telescope.h"

/* Per-input dissection of outer headers, named like the columns of the shared
 * reference-counts.csv so that tests compare them one to one. */
typedef struct ds_dissection {
    uint64_t packets, ipv4, ipv6, tcp, tcp_syn_only, tcp_synack, tcp_rst, udp, icmp;
    uint64_t icmp_echo_request, icmp_echo_reply, icmp_unreach, icmp_time_exceeded, icmp_other;
    uint64_t ip_fragments;
    uint64_t distinct_src_ipv4, distinct_dst_ipv4;
    int64_t first_ts, last_ts;     /* of the first and last record in file order */
    bool distinct_src_ipv4_approx; /* a HyperLogLog estimate (ds_source_bound) */
} ds_dissection;

typedef struct ds_source_stats {
    ds_dissection d;
    uint64_t bytes;   /* sum of wire lengths */
    uint64_t non_ip;  /* frames without IP */
    uint64_t outside; /* IP packets to no monitor */
    uint64_t malformed[DS_DEC_COUNT];
    uint64_t reordered;    /* put back in order within the tolerance */
    uint64_t out_of_order; /* further back than the tolerance (time raised) */
    uint64_t classes[DS_CLS_COUNT];
    uint64_t tags[DS_TAG_COUNT];
} ds_source_stats;

typedef struct ds_source ds_source;

/* Takes ownership of cap. index is stored in each record's `input`. */
ds_source *ds_source_new(ds_capture *cap, uint16_t index, const ds_telescope *t,
                         const ds_sigset *sigs, int64_t tolerance_ns);
void ds_source_free(ds_source *s);
/* --max-memory: the file-wide distinct-source set may use `bytes`; past that it
 * becomes a HyperLogLog estimate (distinct_src_ipv4_approx). */
void ds_source_bound(ds_source *s, size_t bytes);

/* Makes the next record available: returns a pointer to it (valid until the next
 * ds_source_pop or ds_source_peek), or NULL at the end of the stream (EOF or error).
 * For a live capture that timed out, returns NULL with ds_source_idle() true. */
const ds_pkt *ds_source_peek(ds_source *s);
/* Removes the record returned by the last successful peek. */
void ds_source_pop(ds_source *s);
/* True when the last peek returned NULL only because a live capture is idle. */
bool ds_source_idle(const ds_source *s);
/* True when the stream ended (end of input or error). */
bool ds_source_done(const ds_source *s);

/* Declares the input over (a live capture being stopped): the records still held
 * for reordering are released by the following peeks. */
void ds_source_finish(ds_source *s);

ds_capture *ds_source_capture(ds_source *s);
const ds_source_stats *ds_source_get_stats(const ds_source *s);
/* Error that ended the stream, or NULL. */
const char *ds_source_error(const ds_source *s);

#endif
