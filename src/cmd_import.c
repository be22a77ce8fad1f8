/*
 * cmd_import.c: "rebound import PATH...": parse and record.
 *
 * Files, directories, maildirs and mbox files, as "rebound parse" reads
 * them, go into the database in batches of [store] batch messages (one
 * transaction each).  A message already recorded (same SHA-256) is
 * counted and skipped, so importing twice adds nothing.  Each outcome is
 * dated by the bounce's Date (the policy counts days), else by now.  The
 * subscriber comes from a VERP X-Original-To/Delivered-To when there is
 * one.  On a terminal a progress line runs on stderr; a summary ends it.
 */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "classify.h"
#include "cli.h"
#include "mbox.h"
#include "parse.h"
#include "pathwalk.h"
#include "verp.h"

struct import {
	struct store	*store;
	struct conf	*conf;
	guint		 files, files_total, unreadable;
	guint		 messages, added, duplicates, in_batch;
	guint		 outcomes, hard, soft, other;
	gint64		 now, last_progress;
	int		 progress;
	int		 failed;
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
		const char *class = classify_class(rp->kind,
		    g_ptr_array_index(rp->recipients, i));

		im->outcomes++;
		if (g_str_equal(class, "hard"))
			im->hard++;
		else if (g_str_equal(class, "soft"))
			im->soft++;
		else
			im->other++;
	}
}

static int
import_batch(struct import *im, int final)
{
	g_autoptr(GError) error = NULL;

	if (im->in_batch == 0 || (!final && im->in_batch < (guint)im->conf->batch))
		return 1;
	if (!store_commit(im->store, &error) ||
	    (!final && !store_begin(im->store, &error))) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	im->in_batch = 0;
	return 1;
}

static int
import_message(struct import *im, const char *bytes, size_t len)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *subscriber = NULL, *list = NULL;
	struct store_meta meta = { .source = "import" };
	struct report *rp = parse_message(bytes, len);
	int added, ok;

	classify_report(rp);
	store_digest(bytes, len, meta.digest);
	meta.received = im->now;
	meta.at = rp->date > 0 ? rp->date : im->now;
	meta.envelope_to = rp->envelope_to;
	if (verp_decode(&im->conf->verp, rp->envelope_to, &subscriber, &list)) {
		meta.subscriber = subscriber;
		meta.list = list;
	}
	ok = store_add(im->store, &meta, rp, &added, &error);
	if (!ok)
		g_printerr("rebound import: %s\n", error->message);
	else if (added) {
		im->added++;
		im->in_batch++;
		import_count(im, rp);
	} else
		im->duplicates++;
	im->messages++;
	report_free(&rp);
	return ok && import_batch(im, 0);
}

static int
import_file(struct import *im, const char *file)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *bytes = NULL;
	GArray *spans;
	gsize len;
	guint i;
	int ok = 1;

	im->files++;
	if (!g_file_get_contents(file, &bytes, &len, &error)) {
		g_printerr("%srebound import: %s\n", im->progress ? "\n" : "",
		    error->message);
		im->unreadable++;
		return 1;
	}
	spans = mbox_split(bytes, len);
	for (i = 0; i < spans->len && ok; i++) {
		struct mbox_span *s = &g_array_index(spans, struct mbox_span, i);

		ok = import_message(im, bytes + s->offset, s->length);
	}
	g_array_unref(spans);
	import_progress(im, 0);
	return ok;
}

static int
import_run(struct import *im, GPtrArray *files)
{
	g_autoptr(GError) error = NULL;
	guint i;

	if (!store_begin(im->store, &error)) {
		g_printerr("rebound import: %s\n", error->message);
		return 0;
	}
	for (i = 0; i < files->len; i++)
		if (!import_file(im, g_ptr_array_index(files, i))) {
			store_rollback(im->store);
			return 0;
		}
	return import_batch(im, 1);
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
