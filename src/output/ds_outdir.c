/*
 * ds_outdir.c — output directory creation and write-then-rename files.
 *
 * Temporaries are made with mkstemp in the destination directory itself, because
 * rename() is atomic only within one file system; names start with "." so a
 * directory listing during a run shows only finished files.
 */
#include "output/ds_outdir.h"

#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct ds_outdir {
    char *path;
};

static int ds_mkdir_p(const char *path, char *err, size_t errlen)
{
    char *buf = ds_xstrdup(path);
    size_t len = strlen(buf);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        char saved = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create directory: %s", buf, strerror(errno));
            free(buf);
            return -1;
        }
        buf[i] = saved;
    }
    free(buf);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: exists and is not a directory", path);
        return -1;
    }
    return 0;
}

ds_outdir *ds_outdir_open(const char *path, char *err, size_t errlen)
{
    if (!path || !*path) {
        snprintf(err, errlen, "empty output directory name");
        return NULL;
    }
    if (ds_mkdir_p(path, err, errlen) != 0)
        return NULL;
    if (access(path, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "%s: output directory is not writable: %s", path, strerror(errno));
        return NULL;
    }
    ds_outdir *o = ds_xcalloc(1, sizeof *o);
    o->path = ds_xstrdup(path);
    return o;
}

void ds_outdir_close(ds_outdir *o)
{
    if (!o)
        return;
    free(o->path);
    free(o);
}

const char *ds_outdir_path(const ds_outdir *o)
{
    return o->path;
}

char *ds_outdir_file(const ds_outdir *o, const char *name)
{
    size_t n = strlen(o->path) + strlen(name) + 2;
    char *p = ds_xmalloc(n);
    snprintf(p, n, "%s/%s", o->path, name);
    return p;
}

int ds_outdir_mkdir(ds_outdir *o, const char *name, char *err, size_t errlen)
{
    char *p = ds_outdir_file(o, name);
    int rc = ds_mkdir_p(p, err, errlen);
    free(p);
    return rc;
}

int ds_ofile_open(ds_outdir *o, const char *name, ds_ofile *of, char *err, size_t errlen)
{
    memset(of, 0, sizeof of[0]);
    of->final_path = ds_outdir_file(o, name);
    const char *slash = strrchr(name, '/');
    size_t dirlen = strlen(o->path) + 1 + (slash ? (size_t)(slash - name) + 1 : 0);
    const char *base = slash ? slash + 1 : name;
    size_t n = dirlen + strlen(base) + 16;
    of->tmp_path = ds_xmalloc(n);
    snprintf(of->tmp_path, n, "%.*s.%s.XXXXXX", (int)dirlen, of->final_path, base);
    int fd = mkstemp(of->tmp_path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", of->final_path, strerror(errno));
        free(of->tmp_path);
        free(of->final_path);
        memset(of, 0, sizeof of[0]);
        return -1;
    }
    fchmod(fd, 0644);
    of->f = fdopen(fd, "w");
    if (!of->f) {
        close(fd);
        unlink(of->tmp_path);
        snprintf(err, errlen, "%s: cannot open: %s", of->final_path, strerror(errno));
        free(of->tmp_path);
        free(of->final_path);
        memset(of, 0, sizeof of[0]);
        return -1;
    }
    setvbuf(of->f, NULL, _IOFBF, 1 << 16);
    /* One thread writes a file at a time (ds_rows hands it over under a mutex): no
     * lock per call, which glibc takes on every fputc once the process has threads
     * (about 0.2 s of a -j 2 run's outputs on the bench capture). */
    __fsetlocking(of->f, FSETLOCKING_BYCALLER);
    return 0;
}

int ds_ofile_commit(ds_ofile *of, char *err, size_t errlen)
{
    int rc = 0;
    bool bad = ferror(of->f) != 0;
    if (fclose(of->f) != 0 || bad) {
        snprintf(err, errlen, "%s: write failed: %s", of->final_path, strerror(errno));
        unlink(of->tmp_path);
        rc = -1;
    } else if (rename(of->tmp_path, of->final_path) != 0) {
        snprintf(err, errlen, "%s: cannot rename into place: %s", of->final_path, strerror(errno));
        unlink(of->tmp_path);
        rc = -1;
    }
    free(of->tmp_path);
    free(of->final_path);
    memset(of, 0, sizeof of[0]);
    return rc;
}

void ds_ofile_abort(ds_ofile *of)
{
    if (!of->f)
        return;
    fclose(of->f);
    unlink(of->tmp_path);
    free(of->tmp_path);
    free(of->final_path);
    memset(of, 0, sizeof of[0]);
}

int ds_outdir_write_json(ds_outdir *o, const char *name, const json_t *doc, char *err,
                         size_t errlen)
{
    ds_ofile of;
    if (ds_ofile_open(o, name, &of, err, errlen) != 0)
        return -1;
    if (json_dumpf(doc, of.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) !=
        0) {
        snprintf(err, errlen, "%s: cannot write JSON", of.final_path);
        ds_ofile_abort(&of);
        return -1;
    }
    fputc('\n', of.f);
    return ds_ofile_commit(&of, err, errlen);
}
