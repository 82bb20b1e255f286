/*
 * ds_hostname.h — checking host names that came from the network.
 *
 * Anyone controls the PTR records of their own addresses, so a reverse-DNS name is
 * attacker-chosen bytes: it may be 255 bytes long, hold HTML, quotes, a leading '='
 * for spreadsheets, UTF-8 or raw control bytes. darkscope keeps such a name verbatim
 * (it is evidence) but derives nothing from it (no TLD, domain or category) unless
 * it is a well-formed host name; every output escapes it (see output/ds_csv.h).
 *
 * Well-formed here: 1..253 bytes once one trailing dot is dropped; labels of 1..63
 * bytes separated by single dots; each label of ASCII letters, digits, '-' and '_'
 * (underscore is outside RFC 1123 but common in real PTR data), not starting or
 * ending with '-'; the last label not all digits (RFC 3696: no numeric TLDs).
 * Internationalised names are well-formed in their A-label (xn--) form only.
 */
#ifndef DS_HOSTNAME_H
#define DS_HOSTNAME_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ds_hostname_check {
    DS_HOSTNAME_OK = 0,
    DS_HOSTNAME_EMPTY,
    DS_HOSTNAME_TOO_LONG,   /* over 253 bytes */
    DS_HOSTNAME_BAD_LABEL,  /* empty label or over 63 bytes */
    DS_HOSTNAME_BAD_CHAR,   /* a byte outside letters, digits, '-', '_' and '.' */
    DS_HOSTNAME_BAD_HYPHEN, /* a label starting or ending with '-' */
    DS_HOSTNAME_NUMERIC_TLD,
} ds_hostname_check;

/* Checks the first len bytes of name (which may hold NUL bytes). */
ds_hostname_check ds_hostname_validate(const char *name, size_t len);
/* A short reason for messages ("label over 63 bytes"). */
const char *ds_hostname_reason(ds_hostname_check c);

/* Writes the canonical form of a well-formed name into out (ASCII lower case, no
 * trailing dot); out must hold 254 bytes. Returns its length. */
size_t ds_hostname_canonical(const char *name, size_t len, char out[254]);

#endif
