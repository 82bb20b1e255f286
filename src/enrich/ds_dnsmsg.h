/*
 * ds_dnsmsg.h — the two bits of the DNS wire format that live rDNS needs: the
 * reverse-lookup name of an address, and the PTR target of a response.
 *
 * Why not c-ares's ares_parse_ptr_reply: since 1.17.2 it refuses names with bytes
 * outside the host-name alphabet (CVE-2021-3672 hardening). That protects programs
 * that use the name, but darkscope must record such a name as evidence (status
 * badname), so it decodes the answer itself and keeps label bytes verbatim.
 */
#ifndef DS_DNSMSG_H
#define DS_DNSMSG_H

#include "core/ds_common.h"

/* "4.3.2.1.in-addr.arpa" or the 32-nibble ip6.arpa name. */
#define DS_REVNAME_LEN 74
void ds_dns_reverse_name(const ds_ip *ip, char out[DS_REVNAME_LEN]);

/* Longest text ds_dns_ptr_answer writes, with the NUL (255 wire bytes, 4 each). */
#define DS_DNS_NAME_TEXT 1024

/* Finds the first PTR record in the answer section of msg. Returns 1 with its target
 * as text in name (labels joined by '.', bytes verbatim, except that a '.', '\\' or
 * NUL inside a label is written \DDD and *escaped is set; the root is ""), 0 when
 * the answer has no PTR, -1 when the message is malformed. */
int ds_dns_ptr_answer(const unsigned char *msg, size_t len, char name[DS_DNS_NAME_TEXT],
                      size_t *name_len, bool *escaped);

#endif
