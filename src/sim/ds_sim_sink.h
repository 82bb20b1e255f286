/*
 * ds_sim_sink.h — hands the generated packets to the capture writers on a second
 * thread. Generation is one sequential stream (the order of packets is the order of
 * time), and compressing the captures costs about as much as generating them, so the
 * two run side by side: the generator fills 1-MiB chunks of records, the writer
 * thread appends them to the ds_pcap_writer of each monitor (which compresses).
 * The order of records never changes, so the bytes do not depend on timing.
 */
#ifndef DS_SIM_SINK_H
#define DS_SIM_SINK_H

#include "output/ds_pcap_writer.h"

typedef struct ds_sim_sink ds_sim_sink;

/* The writers stay owned by the caller and are used only by the sink's thread until
 * ds_sim_sink_close() returns. */
ds_sim_sink *ds_sim_sink_new(ds_pcap_writer *const *writers, int n);
/* Space for one frame of at most maxlen bytes (maxlen <= 65535). */
uint8_t *ds_sim_sink_reserve(ds_sim_sink *s, size_t maxlen);
/* Completes the record whose frame was written into the reserved space. */
void ds_sim_sink_commit(ds_sim_sink *s, int64_t ts_ns, int monitor, size_t len);
/* Writes what is left and stops the thread. */
void ds_sim_sink_close(ds_sim_sink *s);

#endif
