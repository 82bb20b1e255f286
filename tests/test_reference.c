/*
 * test_reference.c — darkscope's dissection of every real capture in the shared
 * data equals the independent reference (reference-counts.csv: tshark, tcpdump and
 * a byte-level parser agree on it). Runs the real binary, reads summary.json.
 */
#include <jansson.h>
#include <sys/wait.h>

#include "ds_test.h"

static int run_analyze(const char *file, const char *outdir, char *errbuf, size_t errlen)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' analyze -q -o '%s' '%s' 2>'%s/stderr.txt'", ds_test_bin(),
             outdir, file, outdir);
    int st = system(cmd);
    char p[4096];
    snprintf(p, sizeof p, "%s/stderr.txt", outdir);
    char *e = ds_test_read_file(p, NULL);
    snprintf(errbuf, errlen, "%s", e ? e : "");
    free(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *cols[] = {"file",
                             "link_type",
                             "packets",
                             "ipv4",
                             "ipv6",
                             "tcp",
                             "tcp_syn_only",
                             "tcp_synack",
                             "tcp_rst",
                             "udp",
                             "icmp",
                             "icmp_echo_request",
                             "icmp_echo_reply",
                             "icmp_unreach",
                             "icmp_time_exceeded",
                             "icmp_other",
                             "ip_fragments",
                             "distinct_src_ipv4",
                             "distinct_dst_ipv4",
                             "first_ts",
                             "last_ts",
                             "note"};
#define NCOLS (sizeof cols / sizeof cols[0])

static void check_row(char **f, const char *dir, const char *tmp)
{
    char path[4096], err[4096];
    snprintf(path, sizeof path, "%s/%s", dir, f[0]);
    int rc = run_analyze(path, tmp, err, sizeof err);
    if (!*f[2]) { /* not a capture */
        DS_CHECK_EQ_INT(rc, 2);
        DS_CHECK(strstr(err, f[0]) != NULL);
        DS_CHECK(strstr(err, "not a capture") != NULL);
        return;
    }
    DS_CHECK_EQ_INT(rc, 0);
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", f[0], err);
    char sp[4096];
    snprintf(sp, sizeof sp, "%s/summary.json", tmp);
    json_error_t je;
    json_t *sum = json_load_file(sp, 0, &je);
    DS_CHECK(sum != NULL);
    if (!sum)
        return;
    json_t *in = json_array_get(json_object_get(sum, "inputs"), 0);
    json_t *d = json_object_get(in, "dissection");
    DS_CHECK(json_is_true(json_object_get(sum, "complete")));
    for (size_t c = 2; c < NCOLS - 1; c++) {
        json_t *v = json_object_get(d, cols[c]);
        ds_test_checks++;
        char got[64] = "(missing)";
        if (json_is_integer(v))
            snprintf(got, sizeof got, "%lld", (long long)json_integer_value(v));
        else if (json_is_string(v))
            snprintf(got, sizeof got, "%s", json_string_value(v));
        if (strcmp(got, f[c]) != 0) {
            fprintf(stderr, "%s: %s = %s, reference %s\n", f[0], cols[c], got, f[c]);
            ds_test_failures++;
        }
    }
    /* The link type the reader reports matches the reference's. */
    const char *lt = json_string_value(json_array_get(json_object_get(in, "link_types"), 0));
    DS_CHECK(lt && strcmp(lt, f[1]) == 0);
    json_decref(sum);
}

static void test_reference_counts(void)
{
    const char *dir = ds_test_captures_dir();
    char p[4096];
    snprintf(p, sizeof p, "%s/reference-counts.csv", dir);
    char *csv = ds_test_read_file(p, NULL);
    DS_CHECK(csv != NULL);
    if (!csv)
        return;
    char *tmp = ds_test_tmpdir("ref");
    int rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "file,", 5))
            continue;
        char *f[NCOLS] = {0};
        size_t n = 0;
        char *s = line;
        while (n < NCOLS) {
            f[n++] = s;
            char *comma = strchr(s, ',');
            if (!comma)
                break;
            if (n == NCOLS)
                break; /* the note may contain commas */
            *comma = 0;
            s = comma + 1;
        }
        if (n < NCOLS - 1)
            continue;
        check_row(f, dir, tmp);
        rows++;
    }
    DS_CHECK_EQ_INT(rows, 19);
    ds_test_rmtree(tmp);
    free(tmp);
    free(csv);
}

int main(void)
{
    DS_RUN(test_reference_counts);
    return ds_test_result();
}
