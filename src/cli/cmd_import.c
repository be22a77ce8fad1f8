/*
 * cmd_import.c: "rebound import PATH...": parse and record.
 *
 * Files, directories, maildirs and mbox files, as "rebound parse" reads
 * them, go into the database in batches of [store] batch messages (one
 * transaction each).  A message already recorded (same SHA-256) is
 * counted and skipped, so importing twice adds nothing.  Each message
 * takes reboundd's own step (ingest.h), with two differences that are
 * parameters: there is no RCPT TO (the subscriber comes from a VERP
 * Delivered-To/X-Original-To when there is one), and each outcome is
 * dated by its bounce (parse_date.c: Date, else the DSN's dates, else
 * its newest Received field's), else by the file's mtime when the file
 * holds that one message (a maildir's), else by now.  On a terminal a
 * progress line runs on stderr; a summary ends it.
 *
 * The order of the files must not decide anything: the incident guard
 * and the policy count hard bounces in time, so the messages are
 * recorded in the order of their dates, ties by file name and then by
 * place in the mbox, whatever order the PATHs, a directory or an mbox
 * give them in.  So the import is two passes.  The first reads each
 * file and keeps, per message, only its date and where its bytes are
 * (a message without a Date header is parsed for its DSN's dates);
 * those are sorted.  The second reads each message again, in that
 * order, and parses and records it: memory is some 40 bytes a message
 * whatever the archive's size, at the cost of reading it twice.
 *
 * Parsing is the costly part and each message is independent: in each
 * pass a pool of worker threads (one per CPU) reads and parses, at most
 * IMPORT_INFLIGHT messages ahead, while this thread records what they
 * hand back in order.  Only this thread touches the database; the
 * parser's tables are built before the workers start and only read
 * after.
 *
 * At the end, the events that have come due are published, as reboundd
 * does once a second (store_events_publish()).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "ingest.h"
#include "mbox.h"
#include "pathwalk.h"

#define IMPORT_INFLIGHT	64	/* messages read ahead of the recording */

/* One message of the archive: when, and where its bytes are. */
struct import_key {
	gint64		 at;		/* its date (see above) */
	guint		 file;		/* in the sorted files */
	guint		 index;		/* in its file */
	gsize		 offset, length;
};

/* First pass: one file's messages' keys, or why it could not be read. */
struct import_scan {
	guint		 file;
	GArray		*keys;		/* of struct import_key */
	char		*error;
};

/* Second pass: one message, as a worker hands it back. */
struct import_job {
	guint		 seq;		/* its place in the sorted keys */
	struct import_key key;
	struct ingest	*parsed;
	char		*error;		/* why it could not be read again */
};

struct import {
	struct store	*store;
	struct conf	*conf;
	GPtrArray	*files;		/* sorted by name */
	GArray		*keys;		/* of struct import_key, then sorted */
	guint		 files_done, files_total, unreadable;
	guint		 messages, added, duplicates, in_batch;
	guint		 outcomes, hard, soft, other;
	guint		 incidents;	/* opened by the guard */
	gint64		 now, last_progress;
	int		 progress;
	GAsyncQueue	*done;		/* of scans, then of jobs */
};

static void
import_progress(struct import *im, int last)
{
	gint64 t = g_get_monotonic_time();

	if (!im->progress || (!last && t - im->last_progress < 100000))
		return;
	im->last_progress = t;
	if (im->messages == 0 && !last)
		fprintf(stderr, "\rreading: %u/%u files, %u messages",
		    im->files_done, im->files_total, im->keys->len);
	else
		fprintf(stderr, "\rimporting: %u/%u messages, %u new%s",
		    im->messages, im->keys->len, im->added, last ? "\n" : "");
}

static void
import_count(struct import *im, const struct report *rp)
{
	guint i;

	for (i = 0; i < rp->recipients->len; i++) {
		const struct recipient *r = g_ptr_array_index(rp->recipients, i);

		im->outcomes++;
		if (r->class == CLASS_HARD)
			im->hard++;
		else if (r->class == CLASS_SOFT)
			im->soft++;
		else
			im->other++;
	}
}

static int
import_batch(struct import *im, int final)
{
	g_autoptr(GError) error = NULL;

	/* The last commit ends the batch even when empty: nothing is left
	   open for store_events_publish() to join and store_close() to
	   roll back. */
	if (!final && im->in_batch < (guint)im->conf->store.batch)
		return 1;
	if (!store_commit(im->store, &error) ||
	    (!final && !store_begin(im->store, &error))) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	im->in_batch = 0;
	return 1;
}

/* The events due now: those of this import and of earlier ones. */
static int
import_publish(struct import *im)
{
	g_autoptr(GError) error = NULL;
	guint n;

	if (store_events_publish(im->store, g_get_real_time() / G_USEC_PER_SEC,
	    &n, &error))
		return 1;
	g_printerr("rebound import: %s\n", error->message);
	return 0;
}

static void
import_warn(struct import *im, const char *file, const char *what)
{
	g_printerr("%srebound import: %s%s%s\n", im->progress ? "\n" : "",
	    file != NULL ? file : "", file != NULL ? ": " : "", what);
}

/*
 * First pass, in a worker: the date of each message of one file.  A
 * Date header is read without parsing; a message without one is parsed
 * for its DSN's dates; a file of one message without any is as old as
 * the file.
 */
static void
import_scan_work(gpointer data, gpointer user)
{
	struct import_scan *sc = data;
	struct import *im = user;
	const char *file = g_ptr_array_index(im->files, sc->file);
	g_autoptr(GError) error = NULL;
	g_autofree char *bytes = NULL;
	struct ingest *msg;
	struct import_key k = { .file = sc->file };
	GStatBuf st;
	GArray *spans;
	gsize len;

	if (!g_file_get_contents(file, &bytes, &len, &error)) {
		sc->error = g_strdup(error->message);
		g_async_queue_push(im->done, sc);
		return;
	}
	spans = mbox_split(bytes, len);
	for (k.index = 0; k.index < spans->len; k.index++) {
		struct mbox_span *s = &g_array_index(spans, struct mbox_span,
		    k.index);

		k.offset = s->offset;
		k.length = s->length;
		if ((k.at = parse_date_header(bytes + s->offset, s->length)) == 0) {
			msg = ingest_parse(bytes + s->offset, s->length,
			    &im->conf->limits, &im->conf->verp, NULL, NULL);
			k.at = msg->date;
			ingest_free(&msg);
		}
		if (k.at == 0 && spans->len == 1 && g_stat(file, &st) == 0)
			k.at = st.st_mtime;
		if (k.at <= 0)
			k.at = im->now;
		g_array_append_val(sc->keys, k);
	}
	g_array_unref(spans);
	g_async_queue_push(im->done, sc);
}

/* By date, then by file name (the files are sorted), then place. */
static int
import_key_cmp(gconstpointer pa, gconstpointer pb)
{
	const struct import_key *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int
import_name_cmp(gconstpointer pa, gconstpointer pb)
{
	return strcmp(*(char *const *)pa, *(char *const *)pb);
}

/* The first pass: every message's key, sorted. */
static void
import_scan(struct import *im)
{
	GThreadPool *pool;
	struct import_scan *sc;
	guint i;

	g_ptr_array_sort(im->files, import_name_cmp);
	im->done = g_async_queue_new();
	pool = g_thread_pool_new(import_scan_work, im,
	    (int)g_get_num_processors(), FALSE, NULL);
	for (i = 0; i < im->files->len; i++) {
		sc = g_new0(struct import_scan, 1);
		sc->file = i;
		sc->keys = g_array_new(FALSE, FALSE, sizeof(struct import_key));
		g_thread_pool_push(pool, sc, NULL);
	}
	for (i = 0; i < im->files->len; i++) {
		sc = g_async_queue_pop(im->done);
		im->files_done++;
		if (sc->error != NULL) {
			import_warn(im, NULL, sc->error);
			im->unreadable++;
		} else
			g_array_append_vals(im->keys, sc->keys->data,
			    sc->keys->len);
		g_array_unref(sc->keys);
		g_free(sc->error);
		g_free(sc);
		import_progress(im, 0);
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	g_async_queue_unref(im->done);
	g_array_sort(im->keys, import_key_cmp);
}

/* The bytes of one message again: its span of its file. */
static char *
import_reread(const char *file, const struct import_key *k, char **error_r)
{
	char *bytes = g_malloc(k->length + 1);
	ssize_t n = -1;
	gsize got = 0;
	int fd, saved = 0;

	if ((fd = g_open(file, O_RDONLY, 0)) < 0)
		saved = errno;
	else {
		while (got < k->length && (n = pread(fd, bytes + got,
		    k->length - got, (off_t)(k->offset + got))) > 0)
			got += (gsize)n;
		saved = errno;
		close(fd);
	}
	if (got == k->length) {
		bytes[got] = '\0';
		return bytes;
	}
	*error_r = g_strdup_printf("%s: %s", file, fd < 0 || n < 0 ?
	    g_strerror(saved) : "changed while it was imported");
	g_free(bytes);
	return NULL;
}

/* Second pass, in a worker: read one message again and parse it. */
static void
import_work(gpointer data, gpointer user)
{
	struct import_job *job = data;
	struct import *im = user;
	g_autofree char *bytes = import_reread(g_ptr_array_index(im->files,
	    job->key.file), &job->key, &job->error);

	if (bytes != NULL) {
		job->parsed = ingest_parse(bytes, job->key.length,
		    &im->conf->limits, &im->conf->verp, NULL, NULL);
		job->parsed->date = job->key.at;	/* what it was sorted by */
	}
	g_async_queue_push(im->done, job);
}

static void
import_job_free(struct import_job *job)
{
	ingest_free(&job->parsed);
	g_free(job->error);
	g_free(job);
}

/* One message, dated as it was sorted. */
static int
import_record(struct import *im, const struct import_job *job)
{
	g_autoptr(GError) error = NULL;
	const struct ingest *msg = job->parsed;
	int added;

	if (job->error != NULL) {
		import_warn(im, NULL, job->error);
		im->unreadable++;
		return 1;
	}
	if (msg->report->limit != NULL) {
		g_autofree char *why = g_strdup_printf("cut short by %s",
		    msg->report->limit);

		import_warn(im, g_ptr_array_index(im->files, job->key.file),
		    why);
	}
	im->messages++;
	if (!ingest_record(im->store, msg, "import", im->now, DATING_DATE, 0,
	    &added, &error)) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	if (added) {
		im->added++;
		im->in_batch++;
		import_count(im, msg->report);
	} else
		im->duplicates++;
	import_progress(im, 0);
	return import_batch(im, 0);
}

static void
import_submit(struct import *im, GThreadPool *pool, guint seq)
{
	struct import_job *job = g_new0(struct import_job, 1);

	job->seq = seq;
	job->key = g_array_index(im->keys, struct import_key, seq);
	g_thread_pool_push(pool, job, NULL);
}

/*
 * The second pass: feed the workers IMPORT_INFLIGHT messages ahead and
 * record what comes back in the sorted order, whatever order the
 * workers finish in; on a database error stop submitting, drain, and
 * roll back.
 */
static int
import_record_all(struct import *im)
{
	g_autoptr(GHashTable) waiting = g_hash_table_new(g_direct_hash,
	    g_direct_equal);
	GThreadPool *pool;
	struct import_job *job;
	guint next = 0, recorded = 0, n = im->keys->len;
	int ok;

	im->done = g_async_queue_new();
	pool = g_thread_pool_new(import_work, im, (int)g_get_num_processors(),
	    FALSE, NULL);
	for (ok = 1; recorded < next || (ok && next < n);) {
		while (ok && next - recorded < IMPORT_INFLIGHT && next < n)
			import_submit(im, pool, next++);
		job = g_async_queue_pop(im->done);
		g_hash_table_insert(waiting, GUINT_TO_POINTER(job->seq), job);
		while ((job = g_hash_table_lookup(waiting,
		    GUINT_TO_POINTER(recorded))) != NULL) {
			g_hash_table_remove(waiting, GUINT_TO_POINTER(recorded));
			ok = ok && import_record(im, job);
			import_job_free(job);
			recorded++;
		}
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	g_async_queue_unref(im->done);
	return ok;
}

static int
import_run(struct import *im)
{
	g_autoptr(GError) error = NULL;
	int ok;

	import_scan(im);
	if (!store_begin(im->store, &error)) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	ok = import_record_all(im);
	/* Incidents whose quiet time has passed by now close. */
	if (ok && !store_tick(im->store, im->now, &error)) {
		g_printerr("rebound import: %s\n", error->message);
		ok = 0;
	}
	if (!ok) {
		store_rollback(im->store);
		return 0;
	}
	return import_batch(im, 1) && import_publish(im);
}

static void
import_summary(struct import *im)
{
	import_progress(im, 1);
	printf("%u messages in %u files: %u recorded, %u already recorded, "
	    "%u unreadable\n", im->messages, im->files_total, im->added,
	    im->duplicates, im->unreadable);
	printf("%u outcomes recorded: %u hard, %u soft, %u other "
	    "(delays, sender-side, complaints, deliveries, auto-replies)\n",
	    im->outcomes, im->hard, im->soft, im->other);
	if (im->incidents > 0)
		printf("%u incidents opened by the guard: their hard bounces "
		    "are held (see rebound incidents)\n", im->incidents);
}

/* The guard opened an incident (it closes at the end, by the clock). */
static void
import_incident(const struct store_incident *i, void *data)
{
	struct import *im = data;

	if (i->state == GUARD_OPEN)
		im->incidents++;
}

int
cmd_import(int argc, char **argv)
{
	struct cli_db d = { 0 };
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	struct import im = { 0 };
	int i, rc = CLI_EXIT_OK;

	if (!cli_db_options(&argc, &argv, &cmd_import_entry,
	    "Parses each message file, directory, maildir or mbox file and\n"
	    "records every outcome in the database, in the order of the\n"
	    "bounces' dates (Date, else the DSN's, else Received, else a\n"
	    "file's mtime), whatever the order of the files.  A message\n"
	    "recorded before (same bytes) is not recorded again.", &d))
		return CLI_EXIT_USAGE;
	if (argc < 2) {
		g_printerr("rebound import: no PATH given (see --help)\n");
		return CLI_EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;

		if (!pathwalk_collect(argv[i], files, &error)) {
			g_printerr("rebound import: %s\n", error->message);
			rc = CLI_EXIT_INPUT;
		}
	}
	if ((im.store = cli_store(&d, STORE_WRITE)) == NULL) {
		cli_db_clear(&d);
		return CLI_EXIT_DB;
	}
	im.conf = &d.conf;
	store_set_incident_fn(im.store, import_incident, &im);
	im.files = files;
	im.files_total = files->len;
	im.keys = g_array_new(FALSE, FALSE, sizeof(struct import_key));
	im.now = g_get_real_time() / G_USEC_PER_SEC;
	im.progress = isatty(STDERR_FILENO);
	if (!import_run(&im))
		rc = CLI_EXIT_DB;
	import_summary(&im);
	if (rc == CLI_EXIT_OK && im.unreadable > 0)
		rc = CLI_EXIT_INPUT;
	store_close(&im.store);
	g_array_unref(im.keys);
	cli_db_clear(&d);
	return rc;
}
