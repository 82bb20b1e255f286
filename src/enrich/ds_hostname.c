/*
 * ds_hostname.c — the host-name check of ds_hostname.h, one pass over the bytes.
 *
 * It works on (pointer, length) rather than C strings because a DNS label may carry
 * a NUL byte, and such a name must be flagged, not silently cut short.
 */
#include "enrich/ds_hostname.h"

static bool ds_is_ldh(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

ds_hostname_check ds_hostname_validate(const char *name, size_t len)
{
    if (!name || len == 0)
        return DS_HOSTNAME_EMPTY;
    if (name[len - 1] == '.')
        len--; /* the root label */
    if (len == 0)
        return DS_HOSTNAME_EMPTY;
    if (len > 253)
        return DS_HOSTNAME_TOO_LONG;
    size_t label_start = 0;
    bool all_digits = true;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || name[i] == '.') {
            size_t ll = i - label_start;
            if (ll == 0 || ll > 63)
                return DS_HOSTNAME_BAD_LABEL;
            if (name[label_start] == '-' || name[i - 1] == '-')
                return DS_HOSTNAME_BAD_HYPHEN;
            if (i == len && all_digits)
                return DS_HOSTNAME_NUMERIC_TLD;
            label_start = i + 1;
            all_digits = true;
            continue;
        }
        unsigned char c = (unsigned char)name[i];
        if (!ds_is_ldh(c))
            return DS_HOSTNAME_BAD_CHAR;
        if (c < '0' || c > '9')
            all_digits = false;
    }
    return DS_HOSTNAME_OK;
}

const char *ds_hostname_reason(ds_hostname_check c)
{
    switch (c) {
    case DS_HOSTNAME_OK:
        return "well-formed";
    case DS_HOSTNAME_EMPTY:
        return "empty";
    case DS_HOSTNAME_TOO_LONG:
        return "longer than 253 bytes";
    case DS_HOSTNAME_BAD_LABEL:
        return "empty label or label over 63 bytes";
    case DS_HOSTNAME_BAD_CHAR:
        return "byte outside letters, digits, '-', '_'";
    case DS_HOSTNAME_BAD_HYPHEN:
        return "label starts or ends with '-'";
    case DS_HOSTNAME_NUMERIC_TLD:
        return "all-numeric top-level label";
    }
    return "invalid";
}

size_t ds_hostname_canonical(const char *name, size_t len, char out[254])
{
    if (len && name[len - 1] == '.')
        len--;
    if (len > 253)
        len = 253;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = 0;
    return len;
}
