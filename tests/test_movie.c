/*
 * test_movie.c — the report's C side on output directories written by the test:
 * the CSV reader's unescaping and number parsing, the aggregation of hosts to locations and frames
 * (ds_spread), the GIF movie (frame count by parsing the GIF's blocks, since
 * libgd's reader sees only the first frame) with its PNG frames (circle pixels
 * grow frame by frame), the --png plots, and report.html's escaping of hostile
 * names from the data.
 */
#include <gd.h>
#include <math.h>

#include "ds_test.h"
#include "output/ds_centroids.h"
#include "output/ds_csvread.h"
#include "output/ds_movie.h"
#include "output/ds_plot_png.h"
#include "output/ds_report.h"
#include "output/ds_spread.h"
#include "output/ds_webassets.h"

#define T0 995500800.0 /* 2001-07-19 00:00 UTC, a multiple of 300 s */

static char *ds_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void ds_put(const char *dir, const char *name, const char *text)
{
    char *p = ds_join(dir, name);
    ds_test_write_file(p, text, strlen(text));
    free(p);
}

/* hosts.csv: frame f (of 12, 300 s each) gets 3*(f+1) new hosts at 6 places
 * (lat/lon), plus per frame one host with only a country (KR) and one with no
 * location. Each host is active for 10 minutes. */
static void ds_write_hosts(const char *dir, unsigned *total, unsigned *located)
{
    static const double places[6][2] = {{40.7, -74.0}, {37.5, 127.0},  {39.9, 116.4},
                                        {51.5, -0.1},  {-33.9, 151.2}, {-23.5, -46.6}};
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    len += (size_t)snprintf(buf + len, cap - len,
                            "ip,signature,first_seen,last_seen,packets,monitors,first_monitor,"
                            "country,lat,lon,rdns\n");
    unsigned n = 0;
    *located = 0;
    for (int f = 0; f < 12; f++) {
        for (int k = 0; k < 3 * (f + 1) + 2; k++, n++) {
            double first = T0 + f * 300 + 5 + k;
            double last = fmin(first + 600, T0 + 3599);
            const char *cc = "", *lat = "", *lon = "";
            char la[32], lo[32];
            if (k == 0) {
                cc = "KR";
            } else if (k > 1) {
                snprintf(la, sizeof la, "%.2f", places[k % 6][0]);
                snprintf(lo, sizeof lo, "%.2f", places[k % 6][1]);
                lat = la;
                lon = lo;
                cc = "US";
            }
            if (k != 1)
                (*located)++;
            len += (size_t)snprintf(
                buf + len, cap - len, "10.0.%u.%u,codered,%.6f,%.6f,3,east,east,%s,%s,%s,%s\n",
                n >> 8, n & 255, first, last, cc, lat, lon,
                n == 7 ? "\"<script>alert(1)</script>.dsl.example.net\"" : "h.example.com");
        }
    }
    *total = n;
    ds_put(dir, "hosts.csv", buf);
    free(buf);
}

static void test_csv_reader(void)
{
    char *dir = ds_test_tmpdir("csvread");
    ds_put(dir, "t.csv",
           "a,b,c\n"
           "plain,\"with, comma\",\"'=1+2\"\n"
           "\"multi\nline\",back\\\\slash,\"q\"\"uote\"\n"
           "short\n");
    char *p = ds_join(dir, "t.csv");
    char err[256];
    ds_csvr *r = ds_csvr_open(p, err, sizeof err);
    DS_CHECK(r != NULL);
    if (r) {
        DS_CHECK_EQ_INT(ds_csvr_ncols(r), 3);
        DS_CHECK_EQ_INT(ds_csvr_col(r, "c"), 2);
        DS_CHECK_EQ_INT(ds_csvr_next(r), 3);
        DS_CHECK_EQ_STR(ds_csvr_get(r, 1), "with, comma");
        DS_CHECK_EQ_STR(ds_csvr_get(r, 2), "=1+2"); /* the formula guard is undone */
        DS_CHECK_EQ_INT(ds_csvr_next(r), 3);
        DS_CHECK_EQ_STR(ds_csvr_get(r, 0), "multi\nline");
        DS_CHECK_EQ_STR(ds_csvr_get(r, 1), "back\\slash");
        DS_CHECK_EQ_STR(ds_csvr_get(r, 2), "q\"uote");
        DS_CHECK_EQ_INT(ds_csvr_next(r), 1);
        DS_CHECK_EQ_STR(ds_csvr_get(r, 2), "");
        DS_CHECK_EQ_INT(ds_csvr_next(r), 0);
        ds_csvr_close(r);
    }
    free(p);
    p = ds_join(dir, "absent.csv");
    DS_CHECK(ds_csvr_open(p, err, sizeof err) == NULL);
    DS_CHECK_EQ_STR(err, "");
    free(p);
    ds_test_rmtree(dir);
    free(dir);
}

/* The reader, one byte at a time, as it was before it read in blocks: the
 * definition the block reader must keep. Parses the record at t[*pos..n) into
 * NUL-terminated fields appended to out, field i at out + starts[i]; returns the
 * number of fields, 0 at the end. */
static size_t ref_record(const unsigned char *t, size_t n, size_t *pos, char *out, size_t *olen,
                         size_t *starts)
{
    if (*pos >= n)
        return 0;
    size_t nf = 1, start = *olen;
    starts[0] = start;
    int quoted = 0, inq = 0;
#define REF_NEXT() (*pos < n ? (int)t[(*pos)++] : EOF)
#define REF_END_FIELD()                                                                            \
    do {                                                                                           \
        out[(*olen)++] = 0;                                                                        \
        char *w = out + start, *q = out + start;                                                   \
        if (quoted && q[0] == '\'' && q[1] && strchr("=+-@\t\r", q[1]))                            \
            q++;                                                                                   \
        while (*q) {                                                                               \
            if (q[0] == '\\' && q[1] == '\\') {                                                    \
                *w++ = '\\';                                                                       \
                q += 2;                                                                            \
                continue;                                                                          \
            }                                                                                      \
            *w++ = *q++;                                                                           \
        }                                                                                          \
        *w = 0;                                                                                    \
        *olen = (size_t)(w - out) + 1;                                                             \
        quoted = 0;                                                                                \
    } while (0)
    for (int c = REF_NEXT(); c != EOF; c = REF_NEXT()) {
        if (inq) {
            if (c == '"') {
                int d = REF_NEXT();
                if (d == '"') {
                    out[(*olen)++] = '"';
                    continue;
                }
                inq = 0;
                if (d == EOF)
                    break;
                c = d;
            } else {
                out[(*olen)++] = (char)c;
                continue;
            }
        }
        if (c == '"' && *olen == start) {
            inq = quoted = 1;
            continue;
        }
        if (c == ',' || c == '\n') {
            REF_END_FIELD();
            if (c == '\n')
                return nf;
            start = *olen;
            starts[nf++] = start;
            continue;
        }
        if (c == '\r')
            continue;
        out[(*olen)++] = (char)c;
    }
    REF_END_FIELD();
    return nf;
#undef REF_NEXT
#undef REF_END_FIELD
}

static void test_csv_reader_blocks(void)
{
    char *dir = ds_test_tmpdir("csvblocks");
    char *p = ds_join(dir, "r.csv");
    static const char alphabet[] = "a,,\"\"\n\r\\\\'=-@ \t\xc3\xa9x\"\n";
    uint64_t x = 42;
    size_t mismatches = 0, records = 0;
    for (int file = 0; file < 40; file++) {
        /* sizes around the 64 KiB block: lines, fields and quotes across it */
        size_t n =
            file < 10 ? (size_t)file * 7 : 65536 * (1 + file % 3) + (size_t)(x % 5000) - 2500;
        unsigned char *t = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            int k = (int)(x >> 59);
            if (file % 4 == 0 && k < 20)
                t[i] = (unsigned char)('a' + k); /* long plain runs */
            else if ((x >> 40) % 5000 == 0)
                t[i] = 0; /* a NUL now and then */
            else
                t[i] = (unsigned char)alphabet[(x >> 32) % (sizeof alphabet - 1)];
        }
        FILE *f = fopen(p, "wb");
        fwrite(t, 1, n, f);
        fclose(f);
        char err[256];
        ds_csvr *r = ds_csvr_open(p, err, sizeof err);
        char *out = malloc(2 * n + 16);
        size_t *starts = malloc((n + 2) * sizeof *starts);
        size_t pos = 0, olen = 0;
        if (!r) {
            mismatches++;
            free(out);
            free(starts);
            free(t);
            continue;
        }
        /* the header, then every record */
        size_t want = ref_record(t, n, &pos, out, &olen, starts);
        DS_CHECK_EQ_INT(ds_csvr_ncols(r), want);
        for (size_t i = 0; i < want; i++)
            mismatches += strcmp(ds_csvr_colname(r, i), out + starts[i]) != 0;
        for (;;) {
            olen = 0;
            want = ref_record(t, n, &pos, out, &olen, starts);
            size_t got = ds_csvr_next(r);
            records++;
            if (got != want) {
                mismatches++;
                break;
            }
            if (!got)
                break;
            for (size_t i = 0; i < want; i++)
                mismatches += strcmp(ds_csvr_get(r, (int)i), out + starts[i]) != 0;
        }
        free(starts);
        ds_csvr_close(r);
        free(out);
        free(t);
    }
    fprintf(stderr, "    %zu records compared with the byte-at-a-time reader\n", records);
    DS_CHECK_EQ_INT(mismatches, 0);
    free(p);
    ds_test_rmtree(dir);
    free(dir);
}

/* ds_csv_strtod against strtod, bit for bit and end for end: the numbers darkscope
 * writes (times with 6 decimals, coordinates with 4), their neighbours in every
 * length up to and past the fast path's limit (2^53), and strings strtod reads in
 * other ways (exponents, hex, inf, nan, signs, blanks, lone points). */
static void test_csv_strtod(void)
{
    static const char *const odd[] = {"",
                                      "-",
                                      ".",
                                      "-.",
                                      "1.",
                                      ".5",
                                      "-0",
                                      "-0.0",
                                      "0x1p3",
                                      "1e5",
                                      "1E-3",
                                      "2.5e",
                                      "inf",
                                      "-inf",
                                      "nan",
                                      "NaN",
                                      "+1",
                                      " 1",
                                      "1..2",
                                      "1.2.3",
                                      "1,5",
                                      "-.5e1",
                                      "0.e5",
                                      "1i",
                                      "12abc",
                                      "9007199254740992",
                                      "9007199254740993",
                                      "900719925474099.3",
                                      "123456789012345",
                                      "1234567890123456",
                                      "0.000000000000000000001",
                                      "99999999999999999999999999",
                                      "-1.7976931348623157e308"};
    size_t bad = 0, n = 0;
    char buf[64];
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        char *e1, *e2;
        double a = strtod(odd[i], &e1), b = ds_csv_strtod(odd[i], &e2);
        n++;
        if (memcmp(&a, &b, sizeof a) != 0 || e1 != e2) {
            bad++;
            fprintf(stderr, "    \"%s\": strtod %.17g (+%td), ds_csv_strtod %.17g (+%td)\n", odd[i],
                    a, e1 - odd[i], b, e2 - odd[i]);
        }
    }
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 3000000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        switch (i % 4) {
        case 0: /* a time: seconds and 6 decimals */
            snprintf(buf, sizeof buf, "%llu.%06llu", (unsigned long long)(x % 9223372036u),
                     (unsigned long long)(x >> 40) % 1000000);
            break;
        case 1: /* a coordinate: 4 decimals */
            snprintf(buf, sizeof buf, "%s%llu.%04llu", (x & 1) ? "-" : "",
                     (unsigned long long)(x >> 8) % 181, (unsigned long long)(x >> 32) % 10000);
            break;
        default: { /* any decimal of 1 to 20 digits, the point anywhere */
            int nd = 1 + (int)(x % 20), pt = (int)((x >> 8) % (uint64_t)(nd + 1));
            size_t k = 0;
            uint64_t y = x;
            if ((x >> 60) & 1)
                buf[k++] = '-';
            for (int d = 0; d < nd; d++) {
                if (d == pt && (x >> 61) & 1)
                    buf[k++] = '.';
                y = y * 6364136223846793005u + 1442695040888963407u;
                buf[k++] = (char)('0' + (y >> 59) % 10);
            }
            buf[k] = 0;
        }
        }
        char *e1, *e2;
        double a = strtod(buf, &e1), b = ds_csv_strtod(buf, &e2);
        n++;
        if (memcmp(&a, &b, sizeof a) != 0 || e1 != e2) {
            if (bad++ < 10)
                fprintf(stderr, "    \"%s\": strtod %.17g, ds_csv_strtod %.17g\n", buf, a, b);
        }
    }
    fprintf(stderr, "    %zu strings compared with strtod\n", n);
    DS_CHECK_EQ_INT(bad, 0);
}

static void test_spread(void)
{
    char *dir = ds_test_tmpdir("spread");
    unsigned total, located;
    ds_write_hosts(dir, &total, &located);
    ds_centroids cent;
    ds_centroids_load(&cent);
    DS_CHECK(cent.n > 200); /* derived from Natural Earth at build time */
    ds_spread_opts o;
    ds_spread_opts_default(&o);
    ds_spread s;
    char err[256];
    DS_CHECK_EQ_INT(ds_spread_load(dir, &o, &cent, &s, err, sizeof err), 0);
    DS_CHECK_EQ_INT(s.nframes, 12);
    DS_CHECK(s.t0 == T0);
    DS_CHECK_EQ_INT(s.nsig, 1);
    /* 6 grid cells + the KR centroid. */
    DS_CHECK_EQ_INT(s.nloc, 7);
    if (s.nsig == 1) {
        const ds_spread_sig *g = &s.sig[0];
        DS_CHECK_EQ_INT(g->hosts, total);
        DS_CHECK_EQ_INT(g->located, located);
        uint64_t sum_new = 0, sum_total = 0, active = 0;
        for (size_t k = 0; k < g->nev; k++) {
            sum_new += g->ev_new[k];
            active += g->ev_new[k];
            active -= g->ev_gone[k];
            DS_CHECK(k == 0 || g->ev_f[k] >= g->ev_f[k - 1]); /* sorted by frame */
        }
        for (uint32_t f = 0; f < s.nframes; f++)
            sum_total += g->total_new[f];
        DS_CHECK_EQ_INT(sum_new, located);
        DS_CHECK_EQ_INT(sum_total, total);
        DS_CHECK_EQ_INT(g->total_new[0], 5);
        DS_CHECK_EQ_INT(g->total_new[11], 38);
        /* Hosts seen in the last two frames are still active at the end. */
        DS_CHECK(active > 0);
    }
    ds_spread_free(&s);
    /* A tiny event budget forces a coarser grid, and says so. */
    o.max_events = 10;
    DS_CHECK_EQ_INT(ds_spread_load(dir, &o, &cent, &s, err, sizeof err), 0);
    DS_CHECK(s.grid_deg > 1);
    DS_CHECK(strstr(s.note, "grid") != NULL);
    ds_spread_free(&s);
    ds_centroids_free(&cent);
    ds_test_rmtree(dir);
    free(dir);
}

/* Counts the images of a GIF by walking its blocks (GIF89a spec). -1 if malformed. */
static int ds_gif_frames(const unsigned char *d, size_t n)
{
    if (n < 13 || memcmp(d, "GIF89a", 6) != 0)
        return -1;
    size_t p = 13;
    if (d[10] & 0x80)
        p += 3u * (1u << ((d[10] & 7) + 1));
    int frames = 0;
    while (p < n) {
        unsigned char b = d[p++];
        if (b == 0x3b)
            return frames;
        if (b == 0x21) { /* extension: label, then sub-blocks */
            p++;
        } else if (b == 0x2c) { /* image descriptor, local table, LZW size, sub-blocks */
            if (p + 9 > n)
                return -1;
            unsigned char flags = d[p + 8];
            p += 9;
            if (flags & 0x80)
                p += 3u * (1u << ((flags & 7) + 1));
            p++;
            frames++;
        } else {
            return -1;
        }
        while (p < n && d[p] != 0)
            p += 1u + d[p];
        p++;
    }
    return -1;
}

/* Pixels in the two circle colours (infected red, active yellow). */
static long ds_circle_pixels(const char *png)
{
    FILE *f = fopen(png, "rb");
    if (!f)
        return -1;
    gdImagePtr im = gdImageCreateFromPng(f);
    fclose(f);
    if (!im)
        return -1;
    long n = 0;
    for (int y = 0; y < gdImageSY(im); y++)
        for (int x = 0; x < gdImageSX(im); x++) {
            int c = gdImageGetPixel(im, x, y);
            int r = gdImageRed(im, c), g = gdImageGreen(im, c), b = gdImageBlue(im, c);
            if ((r == 214 && g == 39 && b == 40) || (r == 255 && g == 190 && b == 0))
                n++;
        }
    gdImageDestroy(im);
    return n;
}

static void test_movie(void)
{
    char *dir = ds_test_tmpdir("movie");
    unsigned total, located;
    ds_write_hosts(dir, &total, &located);
    ds_movie_opts o;
    ds_movie_opts_default(&o);
    char *gif = ds_join(dir, "movie.gif"), *frames = ds_join(dir, "frames");
    o.gif_path = gif;
    o.frames_dir = frames;
    uint32_t n = 0;
    char err[512];
    int rc = ds_movie_write(dir, &o, &n, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "movie: %s\n", err);
    DS_CHECK_EQ_INT(rc, 0);
    DS_CHECK_EQ_INT(n, 12);
    size_t len;
    unsigned char *data = (unsigned char *)ds_test_read_file(gif, &len);
    DS_CHECK(data != NULL);
    if (data)
        DS_CHECK_EQ_INT(ds_gif_frames(data, len), 12);
    free(data);
    long prev = -1, first = -1, last = -1;
    bool grows = true;
    for (unsigned f = 0; f < 12; f++) {
        char name[64];
        snprintf(name, sizeof name, "frames/frame-%05u.png", f);
        char *p = ds_join(dir, name);
        long c = ds_circle_pixels(p);
        free(p);
        DS_CHECK(c >= 0);
        if (f == 0)
            first = c;
        if (c < prev)
            grows = false;
        prev = last = c;
    }
    DS_CHECK(first > 0);
    DS_CHECK(grows);
    DS_CHECK(last > 2 * first);
    /* No 13th frame. */
    char *p13 = ds_join(dir, "frames/frame-00012.png");
    DS_CHECK(fopen(p13, "rb") == NULL);
    free(p13);
    /* An unknown signature is an error, not an empty movie. */
    o.signature = "nope";
    DS_CHECK(ds_movie_write(dir, &o, &n, err, sizeof err) != 0);
    free(gif);
    free(frames);
    ds_test_rmtree(dir);
    free(dir);
}

static void test_report_escaping_and_png(void)
{
    char *dir = ds_test_tmpdir("report");
    unsigned total, located;
    ds_write_hosts(dir, &total, &located);
    ds_put(dir, "worm.csv",
           "interval_start,signature,monitor,new_hosts,cumulative_hosts,active_hosts,probes\n"
           "995500800,codered,all,5,5,5,9\n995500860,codered,all,3,8,7,6\n");
    ds_put(dir, "series.csv",
           "interval_start,monitor,class,packets,bytes,sources,destinations\n"
           "995500800,east,backscatter,4,160,1,4\n995500860,east,backscatter,6,240,1,6\n");
    ds_report_opts o;
    ds_report_opts_default(&o);
    char err[512];
    DS_CHECK(ds_web_template_len > 0); /* the front end is built into test binaries */
    DS_CHECK_EQ_INT(ds_report_write(dir, &o, err, sizeof err), 0);
    char *p = ds_join(dir, "report.html");
    size_t len;
    char *html = ds_test_read_file(p, &len);
    free(p);
    DS_CHECK(html != NULL);
    if (html) {
        DS_CHECK(strstr(html, "<script>alert(1)") == NULL);
        DS_CHECK(strstr(html, "\\u003cscript>alert(1)\\u003c/script>.dsl.example.net") != NULL);
        DS_CHECK(strstr(html, "@@DS_DATA@@") == NULL);
        /* The page's own two scripts and no other element from the data. */
        int scripts = 0;
        for (const char *q = html; (q = strstr(q, "<script")) != NULL; q++)
            scripts++;
        DS_CHECK_EQ_INT(scripts, 2);
    }
    free(html);
    DS_CHECK_EQ_INT(ds_plot_png_write(dir, &o, err, sizeof err), 0);
    static const char *const pngs[] = {"traffic.png", "cumulative_hosts.png"};
    for (int i = 0; i < 2; i++) {
        char *q = ds_join(dir, pngs[i]);
        FILE *f = fopen(q, "rb");
        gdImagePtr im = f ? gdImageCreateFromPng(f) : NULL;
        DS_CHECK(im != NULL);
        if (im) {
            DS_CHECK(gdImageSX(im) > 500);
            gdImageDestroy(im);
        }
        if (f)
            fclose(f);
        free(q);
    }
    ds_test_rmtree(dir);
    free(dir);
}

int main(void)
{
    DS_RUN(test_csv_reader);
    DS_RUN(test_csv_reader_blocks);
    DS_RUN(test_csv_strtod);
    DS_RUN(test_spread);
    DS_RUN(test_movie);
    DS_RUN(test_report_escaping_and_png);
    return ds_test_result();
}
