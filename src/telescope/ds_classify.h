/*
 * ds_classify.h — one class per packet and the tags beside it.
 *
 * Classes (docs/CLASSES.md): backscatter, udp-response, scan-tcp, scan-udp,
 * scan-icmp, other. Tags: fragment, non-first fragment, special-purpose source
 * (RFC 6890), scanner-tool fingerprints (ZMap, Masscan, Mirai), signature matched.
 */
#ifndef DS_CLASSIFY_H
#define DS_CLASSIFY_H

#include "decode/ds_packet.h"

/* Sets p->cls and ORs the fingerprint and special-source tags into p->tags
 * (the decoder already set the fragment tags). Pure function of the record. */
void ds_classify(ds_pkt *p);

/* "backscatter", "udp-response", "scan-tcp", "scan-udp", "scan-icmp", "other". */
const char *ds_class_name(int cls);
/* Class index by name, or -1. */
int ds_class_find(const char *name);

/* True for ICMPv4 types 3, 4, 5, 11, 12 and ICMPv6 types 1-4: errors that quote the
 * packet that caused them, so the victim is the quoted destination. */
bool ds_icmp_is_error(uint8_t ipver, uint8_t type);

/* True when a UDP source port is a well-known service port that answers requests
 * (53, 123, 161, 389, 1900, 11211, ...) — see docs/CLASSES.md for the full list. */
bool ds_udp_service_port(uint16_t port);

#endif
