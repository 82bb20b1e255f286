/*
 * ds_webassets.h — the front end built by web/build.mjs, embedded in the binary so
 * that `darkscope report` and `darkscope movie` need no file beside it.
 *
 * CMake (cmake/ds_web_embed.cmake) generates the definitions at build time from
 * build/web/: the report template (one HTML page with the marker @@DS_DATA@@), the
 * country centroids (CSV iso2,lat,lon,name, derived from Natural Earth geometry)
 * and the land polygons (one ring per line, integer centi-degrees). When the front
 * end was not built (no Node.js), every length is 0 and the commands say how to
 * build it.
 */
#ifndef DS_WEBASSETS_H
#define DS_WEBASSETS_H

#include <stddef.h>

extern const unsigned char ds_web_template[];
extern const size_t ds_web_template_len;
extern const unsigned char ds_web_centroids[];
extern const size_t ds_web_centroids_len;
extern const unsigned char ds_web_land[];
extern const size_t ds_web_land_len;

#define DS_WEB_HOWTO                                                                               \
    "the report front end is not built into this binary: run scripts/build-web.sh (needs "         \
    "Node.js and npm; scripts/install-deps.sh installs them), then rebuild"

#endif
