/*
 * test_rdns_live.c — live reverse DNS against a real DNS server started here.
 *
 * dnsmasq (Debian dnsmasq-base) serves PTR records for 192.0.2.0/24 on 127.0.0.1 at
 * a free port: ordinary names, a 253-byte name, HTML and quotes, a leading '=', a
 * name given in UTF-8 (dnsmasq converts it to its xn-- A-label form before serving,
 * so that case arrives well-formed), and through --dns-rr (raw RDATA in hex) names
 * dnsmasq's own name checks would refuse: raw UTF-8 with control bytes and escape
 * sequences, and a label holding a dot. Addresses without a record get NXDOMAIN
 * (--local). A second "server" is a UDP socket that never answers: lookups there
 * must time out and the seconds budget must stop the run on time.
 */
#include "ds_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enrich/ds_enrich.h"
#include "enrich/ds_rdns_resolve.h"

extern char **environ;

static pid_t g_dnsmasq = -1;
static int g_port;
static char *g_dir;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A port free for both UDP and TCP on 127.0.0.1. */
static int free_port(void)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t al = sizeof a;
        int port = -1;
        if (bind(u, (struct sockaddr *)&a, sizeof a) == 0 &&
            getsockname(u, (struct sockaddr *)&a, &al) == 0 &&
            bind(t, (struct sockaddr *)&a, sizeof a) == 0)
            port = ntohs(a.sin_port);
        close(u);
        close(t);
        if (port > 0)
            return port;
    }
    fprintf(stderr, "no free port\n");
    exit(2);
}

/* A UDP socket that is bound but never read: queries vanish, no ICMP error. */
static int silent_server(int *port)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        perror("silent server");
        exit(2);
    }
    *port = ntohs(a.sin_port);
    return s;
}

static const char *dnsmasq_path(void)
{
    static const char *const c[] = {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/sbin/dnsmasq"};
    for (size_t i = 0; i < 3; i++)
        if (access(c[i], X_OK) == 0)
            return c[i];
    fprintf(stderr, "FAIL: dnsmasq not installed (Debian dnsmasq-base; scripts/install-deps.sh)\n");
    exit(1);
}

/* Wire-format name as hex for --dns-rr; labels given as (len, bytes) pairs. */
static void hex_name(char *out, const char *const *labels, const size_t *lens, size_t n)
{
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        p += sprintf(p, "%02x", (unsigned)lens[i]);
        for (size_t k = 0; k < lens[i]; k++)
            p += sprintf(p, "%02x", (unsigned char)labels[i][k]);
    }
    sprintf(p, "00");
}

static char g_long_name[254];

static void cb_status(void *ctx, size_t i, ds_rdns_status s, const char *nm, size_t ln)
{
    *(ds_rdns_status *)ctx = s;
}

static ds_rdns_status resolve_one(const char *server, const char *addr)
{
    ds_resolve_config rc = {server, 1, 100, 0, 10, 5 * DS_NS_PER_SEC};
    char err[DS_ERRLEN];
    ds_resolver *r = ds_resolver_open(&rc, err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return DS_RDNS_ERROR;
    }
    ds_ip ip;
    ds_ip_parse(addr, &ip);
    ds_rdns_status got = DS_RDNS_NONE;
    ds_resolver_run(r, &ip, 1, cb_status, &got);
    ds_resolver_close(r);
    return got;
}

static void start_dnsmasq(void)
{
    g_dir = ds_test_tmpdir("rdns-live");
    g_port = free_port();
    /* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 bytes, the longest host name */
    memset(g_long_name, 'a', 253);
    g_long_name[63] = g_long_name[127] = g_long_name[191] = '.';
    memset(g_long_name + 192, 'b', 61);
    g_long_name[253] = 0;

    static char a[32][600];
    int n = 0;
    const char *argv[40];
    argv[n] = dnsmasq_path();
    n++;
    argv[n++] = "--keep-in-foreground";
    argv[n++] = "--conf-file=/dev/null";
    argv[n++] = "--no-resolv";
    argv[n++] = "--no-hosts";
    argv[n++] = "--bind-interfaces";
    argv[n++] = "--listen-address=127.0.0.1";
    argv[n++] = "--local=/2.0.192.in-addr.arpa/";
    argv[n++] = "--user=root";
    int k = 0;
    snprintf(a[k], 600, "--port=%d", g_port);
    argv[n++] = a[k++];
    snprintf(a[k], 600, "--pid-file=%s/dnsmasq.pid", g_dir);
    argv[n++] = a[k++];
    snprintf(a[k], 600, "--log-facility=%s/dnsmasq.log", g_dir);
    argv[n++] = a[k++];
    argv[n++] = "--ptr-record=1.2.0.192.in-addr.arpa,host-1.example.com";
    snprintf(a[k], 600, "--ptr-record=2.2.0.192.in-addr.arpa,%s", g_long_name);
    argv[n++] = a[k++];
    argv[n++] = "--ptr-record=3.2.0.192.in-addr.arpa,<script>alert(\"x\")</script>.example.com";
    argv[n++] = "--ptr-record=4.2.0.192.in-addr.arpa,=cmd|' /C calc'!A0.example.com";
    argv[n++] = "--ptr-record=5.2.0.192.in-addr.arpa,b\xc3\xbc"
                "cher.example.de";
    {
        const char *l[] = {"b\xc3\xbc"
                           "ch\x01\x1b[2Jer",
                           "example", "de"};
        size_t ll[] = {strlen(l[0]), 7, 2};
        char hex[256];
        hex_name(hex, l, ll, 3);
        snprintf(a[k], 600, "--dns-rr=6.2.0.192.in-addr.arpa,12,%s", hex);
        argv[n++] = a[k++];
    }
    {
        const char *l[] = {"a.b", "example", "com"};
        size_t ll[] = {3, 7, 3};
        char hex[256];
        hex_name(hex, l, ll, 3);
        snprintf(a[k], 600, "--dns-rr=7.2.0.192.in-addr.arpa,12,%s", hex);
        argv[n++] = a[k++];
    }
    argv[n++] = "--ptr-record=8.2.0.192.in-addr.arpa,pool-192-0-2-8.dsl.example.net";
    argv[n++] =
        "--ptr-record=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa,"
        "v6host.example.org";
    argv[n] = NULL;
    if (posix_spawn(&g_dnsmasq, argv[0], NULL, NULL, (char *const *)argv, environ) != 0) {
        fprintf(stderr, "FAIL: cannot start dnsmasq: %s\n", strerror(errno));
        exit(1);
    }
    /* Ready when it answers (or fail with its log). */
    char server[64];
    snprintf(server, sizeof server, "127.0.0.1:%d", g_port);
    for (int i = 0; i < 100; i++) {
        if (resolve_one(server, "192.0.2.1") == DS_RDNS_NAME)
            return;
        int wst;
        if (waitpid(g_dnsmasq, &wst, WNOHANG) == g_dnsmasq) {
            char log[4200];
            snprintf(log, sizeof log, "%s/dnsmasq.log", g_dir);
            char *txt = ds_test_read_file(log, NULL);
            fprintf(stderr, "FAIL: dnsmasq exited (status %d): %s\n", wst, txt ? txt : "");
            exit(1);
        }
        usleep(50000);
    }
    fprintf(stderr, "FAIL: dnsmasq did not answer on port %d\n", g_port);
    exit(1);
}

static void stop_dnsmasq(void)
{
    if (g_dnsmasq > 0) {
        kill(g_dnsmasq, SIGTERM);
        waitpid(g_dnsmasq, NULL, 0);
    }
    ds_test_rmtree(g_dir);
    free(g_dir);
}

/* ---- the tests ---- */

static void test_hostile_names(void)
{
    char server[64], err[DS_ERRLEN];
    snprintf(server, sizeof server, "127.0.0.1:%d", g_port);
    ds_enrich_config *cfg = ds_enrich_config_new();
    cfg->no_geo = cfg->no_asn = true;
    for (const ds_option *o = ds_enrich_options; o->name; o++) {
        const char *v = !strcmp(o->name, "rdns")               ? "resolve"
                        : !strcmp(o->name, "rdns-server")      ? server
                        : !strcmp(o->name, "rdns-timeout")     ? "500ms"
                        : !strcmp(o->name, "rdns-concurrency") ? "4"
                        : !strcmp(o->name, "rdns-retries")     ? "2"
                                                               : NULL;
        if (v && strcmp(v, "500ms") == 0) {
            DS_CHECK_EQ_INT(o->set(cfg, v, err, sizeof err), -1); /* no "ms" unit */
            v = "0.5";
        }
        if (v)
            DS_CHECK_EQ_INT(o->set(cfg, v, err, sizeof err), 0);
    }
    DS_CHECK(cfg->rdns_resolve && cfg->rdns_concurrency == 4 && cfg->rdns_retries == 2);
    ds_enrich *e = ds_enrich_open(cfg, err, sizeof err);
    DS_CHECK(e != NULL);
    if (!e) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    const char *addrs[] = {"192.0.2.1", "192.0.2.2",   "192.0.2.3", "192.0.2.4",
                           "192.0.2.5", "192.0.2.6",   "192.0.2.7", "192.0.2.8",
                           "192.0.2.9", "2001:db8::1", "192.0.2.1"};
    enum { N = 11 };
    ds_ip ips[N];
    ds_host_info h[N];
    for (int i = 0; i < N; i++)
        ds_ip_parse(addrs[i], &ips[i]);
    ds_enrich_hosts(e, ips, N, h, 2); /* the resolver on one thread, the rest on another */

    DS_CHECK_EQ_INT(h[0].rdns_status, DS_RDNS_NAME);
    DS_CHECK_EQ_STR(h[0].rdns, "host-1.example.com");
    DS_CHECK_EQ_STR(h[0].domain, "example.com");
    DS_CHECK_EQ_INT(h[1].rdns_status, DS_RDNS_NAME); /* 253 bytes is legal */
    DS_CHECK_EQ_STR(h[1].rdns, g_long_name);
    DS_CHECK_EQ_INT(strlen(h[1].rdns), 253);
    DS_CHECK_EQ_INT(h[2].rdns_status, DS_RDNS_BADNAME);
    DS_CHECK_EQ_STR(h[2].rdns, "<script>alert(\"x\")</script>.example.com");
    DS_CHECK_EQ_INT(h[3].rdns_status, DS_RDNS_BADNAME);
    /* dnsmasq lower-cases the names of --ptr-record before serving them */
    DS_CHECK_EQ_STR(h[3].rdns, "=cmd|' /c calc'!a0.example.com");
    /* dnsmasq turns the UTF-8 name into its A-label before serving it */
    DS_CHECK_EQ_INT(h[4].rdns_status, DS_RDNS_NAME);
    DS_CHECK_EQ_STR(h[4].rdns, "xn--bcher-kva.example.de");
    /* raw bytes served through --dns-rr arrive verbatim */
    DS_CHECK_EQ_INT(h[5].rdns_status, DS_RDNS_BADNAME);
    DS_CHECK_EQ_STR(h[5].rdns, "b\xc3\xbc"
                               "ch\x01\x1b[2Jer.example.de");
    DS_CHECK_EQ_INT(h[6].rdns_status, DS_RDNS_BADNAME);
    DS_CHECK_EQ_STR(h[6].rdns, "a\\046b.example.com");
    DS_CHECK_EQ_INT(h[7].rdns_status, DS_RDNS_NAME);
    DS_CHECK_EQ_STR(ds_category_name(h[7].category), "isp-home");
    DS_CHECK_EQ_INT(h[8].rdns_status, DS_RDNS_NXDOMAIN);
    DS_CHECK(h[8].rdns == NULL);
    DS_CHECK_EQ_INT(h[9].rdns_status, DS_RDNS_NAME);
    DS_CHECK_EQ_STR(h[9].rdns, "v6host.example.org");
    DS_CHECK(h[10].rdns == h[0].rdns); /* the repeat came from the cache */
    static const int bad[] = {2, 3, 5, 6};
    for (int i = 0; i < 4; i++)
        DS_CHECK(h[bad[i]].tld == NULL && h[bad[i]].category == DS_CAT_UNKNOWN);

    /* CSV: one line per host, no raw control byte, formula neutralised */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    for (int i = 0; i < N; i++) {
        ds_enrich_csv_fields(m, &h[i]);
        fputc('\n', m);
    }
    fclose(m);
    int lines = 0;
    for (size_t i = 0; i < len; i++) {
        lines += buf[i] == '\n';
        DS_CHECK(!((unsigned char)buf[i] < 0x20 && buf[i] != '\n'));
    }
    DS_CHECK_EQ_INT(lines, N);
    DS_CHECK(strstr(buf, ",\"'=cmd|' /c calc'!a0.example.com\",badname,") != NULL);
    DS_CHECK(strstr(buf, ",\"<script>alert(\"\"x\"\")</script>.example.com\",badname,") != NULL);
    DS_CHECK(strstr(buf, ",b\xc3\xbc"
                         "ch\\x01\\x1b[2Jer.example.de,badname,") != NULL);
    DS_CHECK(strstr(buf, ",a\\\\046b.example.com,badname,") != NULL);
    free(buf);

    /* asking again sends no query: the cache answers */
    json_t *s1 = ds_enrich_summary(e, NULL, 5);
    json_int_t q1 = json_integer_value(json_object_get(json_object_get(s1, "rdns"), "queries"));
    DS_CHECK_EQ_INT(q1, N - 1);
    ds_enrich_hosts(e, ips, N, h, 1);
    json_t *s2 = ds_enrich_summary(e, NULL, 5);
    DS_CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(s2, "rdns"), "queries")),
                    q1);
    json_decref(s1);
    json_decref(s2);
    ds_enrich_close(e);
    ds_enrich_config_free(cfg);
}

typedef struct collect {
    ds_rdns_status st[256];
    int calls[256];
} collect;

static void cb_collect(void *ctx, size_t i, ds_rdns_status s, const char *nm, size_t ln)
{
    collect *c = ctx;
    c->st[i] = s;
    c->calls[i]++;
}

static void test_timeout_and_seconds_budget(void)
{
    int port;
    int sock = silent_server(&port);
    char server[64], err[DS_ERRLEN];
    snprintf(server, sizeof server, "127.0.0.1:%d", port);

    /* one lookup: 150 ms, then a retry (c-ares doubles: 300 ms) -> timeout */
    ds_resolve_config rc = {server, 4, 150, 1, 1000, 30 * DS_NS_PER_SEC};
    ds_resolver *r = ds_resolver_open(&rc, err, sizeof err);
    DS_CHECK(r != NULL);
    ds_ip ips[64];
    for (int i = 0; i < 64; i++)
        ds_ip_set_v4(&ips[i], 0xc0000200u + (uint32_t)i);
    collect c;
    memset(&c, 0, sizeof c);
    double t0 = now_s();
    ds_resolver_run(r, ips, 1, cb_collect, &c);
    double dt = now_s() - t0;
    DS_CHECK_EQ_INT(c.st[0], DS_RDNS_TIMEOUT);
    DS_CHECK(dt >= 0.14 && dt < 3.0);
    fprintf(stderr, "  one unanswered query (150 ms, 1 retry): timeout after %.2f s\n", dt);
    ds_resolver_close(r);

    /* 64 lookups, 4 at a time, 400 ms per try, 1 s budget: the budget stops the run */
    ds_resolve_config rb = {server, 4, 400, 2, 1000, DS_NS_PER_SEC};
    r = ds_resolver_open(&rb, err, sizeof err);
    memset(&c, 0, sizeof c);
    t0 = now_s();
    ds_resolver_run(r, ips, 64, cb_collect, &c);
    dt = now_s() - t0;
    int timeouts = 0, skipped = 0;
    for (int i = 0; i < 64; i++) {
        DS_CHECK_EQ_INT(c.calls[i], 1);
        timeouts += c.st[i] == DS_RDNS_TIMEOUT;
        skipped += c.st[i] == DS_RDNS_SKIPPED;
    }
    const ds_resolve_stats *st = ds_resolver_stats(r);
    fprintf(stderr, "  silent server, 1 s budget: %.2f s, %d timeout, %d skipped, %llu queries\n",
            dt, timeouts, skipped, (unsigned long long)st->queries);
    DS_CHECK(dt >= 0.95 && dt < 1.6);
    DS_CHECK_EQ_INT(timeouts + skipped, 64);
    DS_CHECK(timeouts >= 4 && skipped >= 40);
    DS_CHECK_EQ_INT(st->queries, (uint64_t)timeouts);
    DS_CHECK(st->budget_spent);
    /* the budget is for the resolver's life: nothing is asked any more */
    memset(&c, 0, sizeof c);
    t0 = now_s();
    ds_resolver_run(r, ips, 8, cb_collect, &c);
    DS_CHECK(now_s() - t0 < 0.2);
    for (int i = 0; i < 8; i++)
        DS_CHECK_EQ_INT(c.st[i], DS_RDNS_SKIPPED);
    ds_resolver_close(r);
    close(sock);
}

static void test_query_budget_and_concurrency(void)
{
    char server[64], err[DS_ERRLEN];
    snprintf(server, sizeof server, "127.0.0.1:%d", g_port);
    ds_resolve_config rc = {server, 2, 1000, 1, 3, 30 * DS_NS_PER_SEC};
    ds_resolver *r = ds_resolver_open(&rc, err, sizeof err);
    ds_ip ips[200];
    for (int i = 0; i < 200; i++)
        ds_ip_set_v4(&ips[i], 0xc0000200u + (uint32_t)(i + 1));
    collect c;
    memset(&c, 0, sizeof c);
    ds_resolver_run(r, ips, 8, cb_collect, &c);
    int answered = 0, skipped = 0;
    for (int i = 0; i < 8; i++) {
        answered += c.st[i] == DS_RDNS_NAME || c.st[i] == DS_RDNS_BADNAME;
        skipped += c.st[i] == DS_RDNS_SKIPPED;
    }
    DS_CHECK_EQ_INT(answered, 3);
    DS_CHECK_EQ_INT(skipped, 5);
    DS_CHECK_EQ_INT(ds_resolver_stats(r)->queries, 3);
    ds_resolver_close(r);

    /* 200 lookups, 50 in flight: every one answered (names or NXDOMAIN) */
    ds_resolve_config rc2 = {server, 50, 1000, 2, 1000, 30 * DS_NS_PER_SEC};
    r = ds_resolver_open(&rc2, err, sizeof err);
    memset(&c, 0, sizeof c);
    ds_resolver_run(r, ips, 200, cb_collect, &c);
    int nx = 0, named = 0;
    for (int i = 0; i < 200; i++) {
        DS_CHECK_EQ_INT(c.calls[i], 1);
        nx += c.st[i] == DS_RDNS_NXDOMAIN;
        named += c.st[i] == DS_RDNS_NAME || c.st[i] == DS_RDNS_BADNAME;
    }
    DS_CHECK_EQ_INT(named, 8);
    DS_CHECK_EQ_INT(nx, 192);
    ds_resolver_close(r);

    /* a resolver address that is not one */
    ds_resolve_config bad = {"not-an-address:53", 1, 100, 0, 1, DS_NS_PER_SEC};
    DS_CHECK(ds_resolver_open(&bad, err, sizeof err) == NULL && strstr(err, "not-an-address"));
}

int main(void)
{
    start_dnsmasq();
    DS_RUN(test_hostile_names);
    DS_RUN(test_timeout_and_seconds_budget);
    DS_RUN(test_query_budget_and_concurrency);
    stop_dnsmasq();
    return ds_test_result();
}
