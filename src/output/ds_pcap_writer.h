/*
 * ds_pcap_writer.h — writing classic pcap files (little-endian, micro- or
 * nanosecond timestamps), optionally gzip- or zstd-compressed. Used by the
 * simulator and by tests that write captures with a known truth.
 */
#ifndef DS_PCAP_WRITER_H
#define DS_PCAP_WRITER_H

#include "core/ds_common.h"

enum ds_compress { DS_COMPRESS_NONE = 0, DS_COMPRESS_GZIP, DS_COMPRESS_ZSTD };

typedef struct ds_pcap_writer ds_pcap_writer;

/* Creates the file. linktype e.g. 1 (Ethernet) or 101 (raw IP); nanosecond
 * timestamps when nsec is true. Returns NULL with a message on failure. */
ds_pcap_writer *ds_pcap_writer_open(const char *path, uint32_t linktype, bool nsec,
                                    enum ds_compress comp, char *err, size_t errlen);
/* Appends one record. Returns 0, or -1 on a write error (reported at close). */
int ds_pcap_writer_add(ds_pcap_writer *w, int64_t ts_ns, const void *frame, uint32_t caplen,
                       uint32_t wirelen);
/* Flushes and closes; returns 0, or -1 with a message when any write failed. */
int ds_pcap_writer_close(ds_pcap_writer *w, char *err, size_t errlen);
uint64_t ds_pcap_writer_count(const ds_pcap_writer *w);

/* Parses "none", "gzip", "zstd"; returns -1 for anything else. */
int ds_compress_parse(const char *s);

#endif
