/*
 * intake.c: group commit between the sources and the store.
 *
 * Every message is parsed and classified as it is submitted and added to
 * the open transaction.  The transaction commits when it holds
 * conf->intake_batch messages or when the first of them has waited
 * conf->intake_delay milliseconds (0: at the end of the pass of the
 * event loop that submitted it, so that everything that arrived together
 * shares one commit, and a lone sender waits for no timer); then, and
 * only then, each source is
 * told (from the event loop) that its message is on disk.  If anything
 * in the batch fails, the whole transaction is rolled back and every
 * message of the batch is reported as not recorded: the source keeps
 * it and the sender retries, and the digest makes a retry of something
 * that did reach the disk harmless.
 *
 * Parsing is the costly part: a pool of worker threads (one per CPU)
 * parses, classifies and digests a copy of each message, and hands it
 * back through a queue and an eventfd that wakes the loop; only the
 * loop's thread touches the database and calls the sources back.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "classify.h"
#include "intake.h"
#include "parse.h"
#include "verp.h"

struct intake_item {
	intake_done_fn	 done;
	void		*arg;
	char		*id;		/* the source's name for it: lmtp#4, a file */
	char		 digest[65];
	enum report_kind kind;
	guint		 recipients;
	char		*summary;	/* first recipient: address, reason */
	int		 ok;
	char		*error;		/* why not ok */
};

/* A message on its way through a worker. */
struct intake_job {
	struct intake_item *item;
	char		*bytes;		/* a copy: the source may free its own */
	size_t		 len;
	char		*source;
	char		*envelope_to;
	struct parse_limits limits;	/* as they were when it came in */
	struct report	*report;	/* the worker's result */
};

struct intake {
	struct event_base *base;
	struct store	*store;
	const struct conf *conf;
	struct event	*timer;		/* the batch's deadline */
	struct event	*deliver;	/* runs the callbacks of finished items */
	GPtrArray	*batch;		/* items in the open transaction */
	GPtrArray	*finished;	/* items waiting for their callback */
	int		 open;		/* a transaction is open */
	char		*error;		/* why the open batch will fail */
	GThreadPool	*pool;		/* parses struct intake_job */
	GAsyncQueue	*parsed;	/* jobs back from the workers */
	int		 wake_fd;	/* eventfd: a worker finished a job */
	struct event	*wake;
	guint		 parsing;	/* jobs in the workers' hands */
	struct intake_stats stats;
};

static void intake_work(gpointer, gpointer);
static void intake_wake_cb(evutil_socket_t, short, void *);

static void
intake_item_free(gpointer p)
{
	struct intake_item *it = p;

	g_free(it->id);
	g_free(it->summary);
	g_free(it->error);
	g_free(it);
}

/*
 * Tell each source what became of its messages.  A callback may submit
 * more (which may finish more): those wait for the next round.
 */
static void
intake_report_results(struct intake *in)
{
	GPtrArray *finished = in->finished;
	struct intake_result res;
	struct intake_item *it;
	guint i;

	in->finished = g_ptr_array_new_with_free_func(intake_item_free);
	for (i = 0; i < finished->len; i++) {
		it = g_ptr_array_index(finished, i);
		if (it->ok)
			g_info("%s: recorded %.12s: %s, %u recipient%s%s%s", it->id,
			    it->digest, report_kind_name(it->kind), it->recipients,
			    it->recipients == 1 ? "" : "s", it->summary ? ": " : "",
			    it->summary ? it->summary : "");
		else
			g_warning("%s: not recorded: %s", it->id, it->error);
		res.ok = it->ok;
		res.kind = it->kind;
		res.error = it->error;
		it->done(it->arg, &res);
	}
	g_ptr_array_unref(finished);
}

static void
intake_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct intake *in = arg;

	intake_report_results(in);
}

/* End the open batch: commit it, or roll it back if it went wrong. */
static void
intake_commit(struct intake *in)
{
	g_autoptr(GError) error = NULL;
	gint64 start = g_get_monotonic_time();
	int ok = 0;
	guint i;

	evtimer_del(in->timer);
	if (!in->open)
		return;
	in->open = 0;
	if (in->error != NULL)
		store_rollback(in->store);
	else if (!(ok = store_commit(in->store, &error)))
		in->error = g_strdup(error->message);
	in->stats.commits++;
	in->stats.commit_failures += !ok;
	in->stats.commit_seconds += (g_get_monotonic_time() - start) / 1e6;
	for (i = 0; i < in->batch->len; i++) {
		struct intake_item *it = g_ptr_array_index(in->batch, i);

		it->ok = ok;
		if (!ok)
			it->error = g_strdup(in->error);
		g_ptr_array_add(in->finished, it);
	}
	g_ptr_array_set_size(in->batch, 0);
	g_clear_pointer(&in->error, g_free);
	event_active(in->deliver, EV_WRITE, 0);
}

static void
intake_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	intake_commit(arg);
}

struct intake *
intake_new(struct event_base *base, struct store *store,
    const struct conf *conf)
{
	struct intake *in = g_new0(struct intake, 1);

	in->base = base;
	in->store = store;
	in->conf = conf;
	in->timer = evtimer_new(base, intake_timer_cb, in);
	in->deliver = event_new(base, -1, 0, intake_deliver_cb, in);
	in->batch = g_ptr_array_new();
	in->finished = g_ptr_array_new_with_free_func(intake_item_free);
	in->parsed = g_async_queue_new();
	in->stats.messages = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	in->stats.recipients = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	in->pool = g_thread_pool_new(intake_work, in,
	    (int)g_get_num_processors(), FALSE, NULL);
	in->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (in->wake_fd < 0)
		g_error("intake: eventfd: %s", g_strerror(errno));
	in->wake = event_new(base, in->wake_fd, EV_READ | EV_PERSIST,
	    intake_wake_cb, in);
	event_add(in->wake, NULL);
	return in;
}

static void
intake_open(struct intake *in)
{
	g_autoptr(GError) error = NULL;
	struct timeval tv = { in->conf->intake_delay / 1000,
	    (in->conf->intake_delay % 1000) * 1000 };

	if (in->open)
		return;
	in->open = 1;
	if (!store_begin(in->store, &error))
		in->error = g_strdup(error->message);
	evtimer_add(in->timer, &tv);
}

static void
intake_describe(struct intake_item *it, const struct report *rp)
{
	const struct recipient *r;

	it->kind = rp->kind;
	it->recipients = rp->recipients->len;
	if (rp->recipients->len == 0)
		return;
	r = g_ptr_array_index(rp->recipients, 0);
	it->summary = g_strdup_printf("%s %s%s", r->address ? r->address : "?",
	    r->reason ? r->reason : "", r->hard ? " (hard)" : "");
}

/* In a worker: parse, classify and digest; hand back to the loop. */
static void
intake_work(gpointer data, gpointer user)
{
	struct intake_job *job = data;
	struct intake *in = user;
	guint64 one = 1;

	job->report = parse_message_limited(job->bytes, job->len, &job->limits);
	classify_report(job->report);
	intake_describe(job->item, job->report);
	store_digest(job->bytes, job->len, job->item->digest);
	g_clear_pointer(&job->bytes, g_free);
	g_async_queue_push(in->parsed, job);
	if (write(in->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		g_warning("intake: eventfd: %s", g_strerror(errno));
}

static void
intake_count(GHashTable *counts, const char *a, const char *b)
{
	char *key = g_strdup_printf("%s %s", a, b);
	guint64 *n = g_hash_table_lookup(counts, key);

	if (n == NULL) {
		n = g_new0(guint64, 1);
		g_hash_table_insert(counts, key, n);
	} else
		g_free(key);
	(*n)++;
}

static void
intake_count_report(struct intake *in, const char *source,
    const struct report *rp)
{
	guint i;

	intake_count(in->stats.messages, source, report_kind_name(rp->kind));
	for (i = 0; i < rp->recipients->len; i++) {
		const struct recipient *r = g_ptr_array_index(rp->recipients, i);

		intake_count(in->stats.recipients, classify_class(rp->kind, r),
		    r->reason ? r->reason : "undefined");
	}
}

/* In the loop: add a parsed message to the open batch. */
static void
intake_add(struct intake *in, struct intake_job *job)
{
	g_autofree char *subscriber = NULL, *list = NULL;
	struct store_meta meta = { .source = job->source };
	g_autoptr(GError) error = NULL;
	struct report *rp = job->report;
	int added;

	memcpy(meta.digest, job->item->digest, sizeof meta.digest);
	/* Never refused for its content: what came before the limit counts. */
	if (rp->limit != NULL)
		g_info("%s: %.12s: cut short by %s; recording what came "
		    "before it", job->item->id, job->item->digest, rp->limit);
	meta.received = meta.at = g_get_real_time() / G_USEC_PER_SEC;
	meta.envelope_to = job->envelope_to ? job->envelope_to : rp->envelope_to;
	if (verp_decode(&in->conf->verp, meta.envelope_to, &subscriber, &list)) {
		meta.subscriber = subscriber;
		meta.list = list;
	}
	intake_open(in);
	if (in->error == NULL && !store_add(in->store, &meta, rp, &added, &error))
		in->error = g_strdup(error->message);
	g_ptr_array_add(in->batch, job->item);
	intake_count_report(in, job->source, rp);
	report_free(&job->report);
	g_free(job->source);
	g_free(job->envelope_to);
	g_free(job);
	in->parsing--;
	if (in->batch->len >= (guint)in->conf->intake_batch || in->error != NULL)
		intake_commit(in);
}

/* Add every message the workers have finished (wait for them if told). */
static void
intake_collect(struct intake *in, int wait)
{
	struct intake_job *job;

	while (in->parsing > 0 && (job = wait ?
	    g_async_queue_pop(in->parsed) : g_async_queue_try_pop(in->parsed)))
		intake_add(in, job);
}

static void
intake_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	guint64 n;

	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		g_warning("intake: eventfd: %s", g_strerror(errno));
	intake_collect(arg, 0);
}

/* Hand one message to the workers; its callback comes after the commit. */
void
intake_submit(struct intake *in, const char *bytes, size_t len,
    const char *source, const char *envelope_to, const char *id,
    intake_done_fn done, void *arg)
{
	struct intake_job *job = g_new0(struct intake_job, 1);

	job->item = g_new0(struct intake_item, 1);
	job->item->done = done;
	job->item->arg = arg;
	job->item->id = g_strdup(id);
	job->bytes = g_memdup2(bytes, len);
	job->len = len;
	job->source = g_strdup(source);
	job->envelope_to = g_strdup(envelope_to);
	job->limits = in->conf->limits;
	in->parsing++;
	g_thread_pool_push(in->pool, job, NULL);
}

/* Commit what is open and tell every source now (at shutdown). */
void
intake_flush(struct intake *in)
{
	intake_collect(in, 1);
	intake_commit(in);
	event_del(in->deliver);
	intake_report_results(in);
}

const struct intake_stats *
intake_stats(struct intake *in)
{
	return &in->stats;
}

guint
intake_pending(struct intake *in)
{
	return in->parsing + in->batch->len + in->finished->len;
}

void
intake_free(struct intake **inp)
{
	struct intake *in = *inp;

	if (in == NULL)
		return;
	intake_flush(in);
	g_thread_pool_free(in->pool, FALSE, TRUE);
	g_async_queue_unref(in->parsed);
	event_free(in->wake);
	close(in->wake_fd);
	event_free(in->timer);
	event_free(in->deliver);
	g_ptr_array_unref(in->batch);
	g_ptr_array_unref(in->finished);
	g_hash_table_destroy(in->stats.messages);
	g_hash_table_destroy(in->stats.recipients);
	g_free(in->error);
	g_free(in);
	*inp = NULL;
}
