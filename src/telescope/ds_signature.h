/*
 * ds_signature.h — worm signatures: small declarative rules matched on every packet.
 *
 * A signature names a protocol, destination ports, required and forbidden TCP flags,
 * a payload length range, optional payload bytes at an offset, and an optional
 * "seq equals destination" condition (Mirai). Built-ins: codered, slammer, conficker,
 * mirai. User signatures come from an INI file (`--signatures FILE`, format in
 * docs/SIGNATURES.md). Up to 32 signatures; matching sets bit i of ds_pkt.sigs.
 */
#ifndef DS_SIGNATURE_H
#define DS_SIGNATURE_H

#include "decode/ds_packet.h"

#define DS_SIG_MAX 32
#define DS_SIG_NAME_MAX 32

typedef struct ds_sigset ds_sigset;

/* A set holding the four built-in signatures. */
ds_sigset *ds_sigset_builtin(void);
/* An empty set. */
ds_sigset *ds_sigset_new(void);
void ds_sigset_free(ds_sigset *s);

/* Adds the signatures of an INI file; a name that exists replaces it. Returns 0, or
 * -1 with "FILE:LINE: reason". */
int ds_sigset_load(ds_sigset *s, const char *path, char *err, size_t errlen);
/* Same, from a string in memory (tests, fuzzing); `origin` names it in messages. */
int ds_sigset_load_string(ds_sigset *s, const char *text, const char *origin, char *err,
                          size_t errlen);

int ds_sigset_count(const ds_sigset *s);
const char *ds_sigset_name(const ds_sigset *s, int i);
/* One line describing the rule, for --help and summary.json. */
const char *ds_sigset_describe(const ds_sigset *s, int i);
/* Index by name or -1. */
int ds_sigset_find(const ds_sigset *s, const char *name);

/* Bit mask of the signatures the packet matches (reads p->payload, so call it while
 * the frame is valid). */
uint32_t ds_sigset_match(const ds_sigset *s, const ds_pkt *p);

#endif
