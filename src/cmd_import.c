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
 * dated by the bounce's Date (the policy counts days), else by now.  On
 * a terminal a progress line runs on stderr; a summary ends it.
 *
 * Parsing is the costly part and each message is independent: a pool
 * of worker threads (one per CPU) reads and parses files, at most
 * IMPORT_INFLIGHT at a time, while this thread records what they hand
 * back.  Only this thread touches the database; the parser's tables are
 * built before the workers start and only read after.
 *
 * At the end, the events that have come due are published, as reboundd
 * does once a second (store_events_publish()).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ingest.h"
#include "mbox.h"
#include "pathwalk.h"

#define IMPORT_INFLIGHT	64	/* files read ahead of the recording */

/* One file, as a worker hands it back. */
struct import_job {
	guint		 seq;		/* its place in the files given */
	char		*file;
	GPtrArray	*parsed;	/* of struct ingest * */
	char		*error;		/* why it could not be read */
};

struct import {
	struct store	*store;
	struct conf	*conf;
	guint		 files, files_total, unreadable;
	guint		 messages, added, duplicates, in_batch;
	guint		 outcomes, hard, soft, other;
	guint		 incidents;	/* opened by the guard */
	gint64		 now, last_progress;
	int		 progress;
	int		 failed;
	GAsyncQueue	*done;		/* of struct import_job * */
};

static void
import_progress(struct import *im, int last)
{
	gint64 t = g_get_monotonic_time();

	if (!im->progress || (!last && t - im->last_progress < 100000))
		return;
	im->last_progress = t;
	fprintf(stderr, "\rimporting: %u/%u files, %u messages, %u new%s",
	    im->files, im->files_total, im->messages, im->added,
	    last ? "\n" : "");
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
	if (!final && im->in_batch < (guint)im->conf->batch)
		return 1;
	if (!store_commit(im->store, &error) ||
	    (!final && !store_begin(im->store, &error))) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	im->in_batch = 0;
	return 1;
}

static void
import_parsed_free(gpointer p)
{
	struct ingest *msg = p;

	ingest_free(&msg);
}

static void
import_job_free(struct import_job *job)
{
	g_free(job->file);
	g_free(job->error);
	g_ptr_array_unref(job->parsed);
	g_free(job);
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

/* A worker: read one file and parse each of its messages. */
static void
import_work(gpointer data, gpointer user)
{
	struct import_job *job = data;
	struct import *im = user;
	g_autoptr(GError) error = NULL;
	g_autofree char *bytes = NULL;
	GArray *spans;
	gsize len;
	guint i;

	if (!g_file_get_contents(job->file, &bytes, &len, &error)) {
		job->error = g_strdup(error->message);
		g_async_queue_push(im->done, job);
		return;
	}
	spans = mbox_split(bytes, len);
	for (i = 0; i < spans->len; i++) {
		struct mbox_span *s = &g_array_index(spans, struct mbox_span, i);

		g_ptr_array_add(job->parsed, ingest_parse(bytes + s->offset,
		    s->length, &im->conf->limits, &im->conf->verp, NULL, NULL));
	}
	g_array_unref(spans);
	g_async_queue_push(im->done, job);
}

/* An archive: an outcome happened when its bounce was written. */
static int
import_record(struct import *im, const struct ingest *msg)
{
	g_autoptr(GError) error = NULL;
	int added;

	im->messages++;
	if (!ingest_record(im->store, msg, "import", im->now, INGEST_AT_DATE,
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
	return import_batch(im, 0);
}

static int
import_job_record(struct import *im, struct import_job *job)
{
	guint i;

	im->files++;
	if (job->error != NULL) {
		g_printerr("%srebound import: %s\n", im->progress ? "\n" : "",
		    job->error);
		im->unreadable++;
		return 1;
	}
	for (i = 0; i < job->parsed->len; i++) {
		const struct ingest *msg = g_ptr_array_index(job->parsed, i);

		if (msg->report->limit != NULL)
			g_printerr("%srebound import: %s: cut short by %s\n",
			    im->progress ? "\n" : "", job->file, msg->report->limit);
		if (!import_record(im, msg))
			return 0;
	}
	import_progress(im, 0);
	return 1;
}

static void
import_submit(struct import *im, GThreadPool *pool, const char *file,
    guint seq)
{
	struct import_job *job = g_new0(struct import_job, 1);

	job->seq = seq;
	job->file = g_strdup(file);
	job->parsed = g_ptr_array_new_with_free_func(import_parsed_free);
	g_thread_pool_push(pool, job, NULL);
}

/*
 * Feed the workers IMPORT_INFLIGHT files ahead and record what comes
 * back, in the order the files were given (a maildir's names and an
 * mbox are in time order, which the incident guard counts by), whatever
 * order the workers finish in; on a database error stop submitting,
 * drain, and roll back.
 */
static int
import_run(struct import *im, GPtrArray *files)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) waiting = g_hash_table_new(g_direct_hash,
	    g_direct_equal);
	GThreadPool *pool;
	struct import_job *job;
	guint next = 0, recorded = 0;
	int ok;

	if (!store_begin(im->store, &error)) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	im->done = g_async_queue_new();
	pool = g_thread_pool_new(import_work, im, (int)g_get_num_processors(),
	    FALSE, NULL);
	for (ok = 1; recorded < next || (ok && next < files->len);) {
		while (ok && next - recorded < IMPORT_INFLIGHT &&
		    next < files->len) {
			import_submit(im, pool, g_ptr_array_index(files, next),
			    next);
			next++;
		}
		job = g_async_queue_pop(im->done);
		g_hash_table_insert(waiting, GUINT_TO_POINTER(job->seq), job);
		while ((job = g_hash_table_lookup(waiting,
		    GUINT_TO_POINTER(recorded))) != NULL) {
			g_hash_table_remove(waiting, GUINT_TO_POINTER(recorded));
			ok = ok && import_job_record(im, job);
			import_job_free(job);
			recorded++;
		}
	}
	g_thread_pool_free(pool, FALSE, TRUE);
	g_async_queue_unref(im->done);
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
	    "%u files unreadable\n", im->messages, im->files, im->added,
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

	if (strcmp(i->state, "open") == 0)
		im->incidents++;
}

int
cmd_import(int argc, char **argv)
{
	struct cli_db d = { 0 };
	GOptionEntry entries[] = {
		CLI_DB_ENTRIES(&d),
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	struct import im = { 0 };
	int i, rc = CLI_EXIT_OK;

	if (!cli_options(&argc, &argv, "PATH... - record returned messages",
	    "Parses each message file, directory, maildir or mbox file and\n"
	    "records every outcome in the database.  A message recorded before\n"
	    "(same bytes) is not recorded again.", entries))
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
	im.files_total = files->len;
	im.now = g_get_real_time() / G_USEC_PER_SEC;
	im.progress = isatty(STDERR_FILENO);
	if (!import_run(&im, files))
		rc = CLI_EXIT_DB;
	import_summary(&im);
	if (rc == CLI_EXIT_OK && im.unreadable > 0)
		rc = CLI_EXIT_INPUT;
	store_close(&im.store);
	cli_db_clear(&d);
	return rc;
}
