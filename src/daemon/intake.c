/*
 * intake.c: group commit between the sources and the store.
 *
 * Three kinds of thread, each owning one thing.  Worker threads (one
 * per CPU) parse, classify and digest each message (ingest_parse(), as
 * "rebound import" does).  The event loop's thread owns the sources: it
 * gathers parsed messages into the open batch and calls each source
 * back.  One writer thread owns the database: it writes a batch in one
 * transaction (each message's row, then, in the writers' turn, their
 * outcomes: intake_try_batch()) and commits it.
 * Results come back to the loop through queues and an eventfd.
 *
 * One batch is with the writer at a time.  While its commit (and its
 * fsync, or SQLite's wait for another writer's lock) runs, the loop
 * goes on reading and parsing, and what arrives gathers in the next
 * batch, which goes to the writer as soon as it is free (group commit).
 * A batch is also handed over when it holds [intake] batch messages
 * or its first message has waited [intake] delay milliseconds (0:
 * at the end of the loop pass that filled it).  Only after the commit
 * is each source told its message is on disk.  If anything in a batch
 * fails, the whole transaction is rolled back and every message of it
 * is reported as not recorded: the source keeps it and the sender
 * retries, and the digest makes a retry of something that did reach
 * the disk harmless.
 *
 * The writer also publishes the events that have come due (address.dead
 * waits out the incident guard's window: store_events_publish()), after
 * each commit and whenever it has waited INTAKE_PUBLISH_USEC for a
 * batch: the store is its own, so no other thread may do it.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "ingest.h"
#include "intake.h"
#include "mda.h"

#define INTAKE_PUBLISH_USEC	G_USEC_PER_SEC	/* idle writer publishes */
#define INTAKE_TRIES		3	/* a batch that lost to another writer */

struct intake_item {
	intake_done_fn	 done;
	void		*arg;
	char		*id;		/* the source's name for it: lmtp#4, a file */
	char		 digest[DIGEST_SIZE];
	enum report_kind kind;
	guint		 recipients;
	char		*summary;	/* first recipient: address, reason */
	int		 ok;
	int		 again;		/* the same bytes were recorded before */
	char		*error;		/* why not ok */
};

/* A message on its way through a worker, then the writer. */
struct intake_job {
	struct intake_item *item;
	char		*bytes;		/* the message, the job's own until parsed */
	size_t		 len;
	char		*source;
	GPtrArray	*envelope_to;	/* of char *: RCPT TO, or NULL */
	char		*keep;		/* maildir for what is not a bounce */
	struct parse_limits limits;	/* as they were when it came in */
	struct verp	 verp;		/* likewise */
	char		*probe_address;	/* [probe] address with a relay */
	struct ingest	*msg;		/* the worker's result */
	gint64		 received;
	int		 webhook;	/* bytes are a webhook's post ... */
	enum webhook_kind webhook_kind;	/* ... of this kind */
};

/* An idle writer is sent an empty batch so often: the guard's clock. */
#define INTAKE_TICK_SECONDS	60

/* What the writer writes in one transaction, and how that went. */
struct intake_batch {
	GPtrArray	*jobs;		/* none: a tick (the clock moved) */
	int		 ok;
	char		*error;
	double		 seconds;
	guint		 incidents_open;	/* the guard's, after it */
	guint64		 incidents_opened, held;
	guint64		 guard_catchups, guard_rebuilds;
	double		 turn_waited, turn_held;	/* since start */
};

/*
 * Who may touch each field: "loop" is the event loop's thread, which
 * also makes and frees the whole (intake_new, intake_free); "writer" is
 * the writer thread; "set once" is written by intake_new() before any
 * thread starts and only read after.  A job is its worker's while in
 * the pool, a batch the writer's from to_write until it is in written:
 * the queues (GLib's, locked) hand them over.
 */
struct intake {
	struct event_base *base;	/* loop */
	struct store	*store;		/* writer; the loop only while the
					   writer is idle (intake_set_policy,
					   after a flush) */
	const struct conf_intake *conf;	/* loop */
	const struct parse_limits *limits; /* loop */
	const struct verp *verp;	/* loop */
	const struct policy *policy;	/* writer: [guard] late */
	const struct probe_conf *probe;	/* loop: [probe] */
	struct event	*timer;		/* loop: the open batch's deadline */
	struct event	*ticker;	/* loop: a tick when idle, so that
					   quiet incidents close on time */
	struct event	*deliver;	/* loop: runs the callbacks of
					   finished items */
	GPtrArray	*batch;		/* loop: jobs gathered for the next
					   commit */
	struct intake_batch *writing;	/* loop: the batch with the writer,
					   or NULL (the pointer, not the
					   batch) */
	GPtrArray	*finished;	/* loop: items waiting for their
					   callback */
	GThreadPool	*pool;		/* set once: the loop pushes struct
					   intake_job, workers parse them */
	GAsyncQueue	*parsed;	/* set once: workers push jobs, the
					   loop pops them */
	GThread		*writer;	/* loop: started and joined there */
	GAsyncQueue	*to_write;	/* set once: the loop pushes batches,
					   the writer pops them */
	GAsyncQueue	*written;	/* set once: the writer pushes them
					   back, the loop pops */
	int		 wake_fd;	/* set once: workers and the writer
					   write (a worker or the writer is
					   done), the loop reads */
	struct event	*wake;		/* loop */
	guint		 parsing;	/* loop: jobs in the workers' hands */
	GHashTable	*held;		/* loop: source -> bytes submitted,
					   not yet freed */
	struct intake_stats stats;	/* loop (the metrics listener reads
					   it there) */
};

/* Handed to the writer to make it stop. */
static struct intake_batch intake_stop_writer;

static void intake_work(gpointer, gpointer);
static gpointer intake_write_thread(gpointer);
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

static void
intake_job_free(gpointer p)
{
	struct intake_job *job = p;

	ingest_free(&job->msg);
	g_free(job->bytes);
	g_free(job->source);
	if (job->envelope_to != NULL)
		g_ptr_array_unref(job->envelope_to);
	g_free(job->probe_address);
	g_free(job->keep);
	g_free(job);
}

/* Wake the loop: a thread has put something in a queue for it. */
static void
intake_wake(struct intake *in)
{
	guint64 one = 1;

	if (write(in->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		g_warning("intake: eventfd: %s", g_strerror(errno));
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
			g_info("%s: %s %.12s: %s, %u recipient%s%s%s", it->id,
			    it->again ? "already recorded" : "recorded",
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

/*
 * In the writer: an incident the guard opened or closed (inside the
 * batch's transaction, which may yet fail: then it is logged again).
 */
static void
intake_incident(const struct store_incident *i, void *data)
{
	const char *sample = i->sample ? i->sample : "";

	if (i->state == GUARD_OPEN)
		g_warning("incident %" G_GINT64_FORMAT " opened: %s %s, %"
		    G_GINT64_FORMAT " addresses bounced hard within %" G_GINT64_FORMAT
		    " min; their bounces are held (counted as soft): %s",
		    i->id, guard_kind_name(i->kind), i->group, i->addresses,
		    (i->last - i->first + 59) / 60, sample);
	else
		g_warning("incident %" G_GINT64_FORMAT " closed: %s %s, %"
		    G_GINT64_FORMAT " addresses held; see rebound incidents",
		    i->id, guard_kind_name(i->kind), i->group, i->addresses);
}

/*
 * In the writer: one batch, one transaction, all or nothing.  Its
 * messages first, then, in the writers' turn (store_lock(): on
 * PostgreSQL the other daemons' batches wait for it), the guard's clock
 * and the messages' outcomes, so that the turn is short.
 */
static int
intake_try_batch(struct intake *in, struct intake_batch *b, GError **error)
{
	struct store *store = in->store;
	/* Live mail: incidents close by this clock; a replay ([intake]
	   dating = date) keeps the bounces' own time, and its incidents
	   close as later bounces come. */
	enum conf_dating dating = in->conf->dating;
	gint64 late = in->policy->guard.late;
	guint i, n = b->jobs->len;
	g_autofree gint64 *messages = g_new0(gint64, n + 1);
	g_autofree struct store_meta *metas = g_new0(struct store_meta, n + 1);
	struct intake_job *job;
	int ok, added;

	ok = store_begin_shared(store, error);
	for (i = 0; ok && i < n; i++) {
		job = g_ptr_array_index(b->jobs, i);
		ingest_meta(job->msg, job->source, job->received, dating, late,
		    &metas[i]);
		ok = store_add_message(store, &metas[i], job->msg->report,
		    &messages[i], error);
	}
	if (ok && dating != DATING_DATE)
		ok = store_tick(store, g_get_real_time() / G_USEC_PER_SEC,
		    error);
	for (i = 0; ok && i < n; i++) {
		job = g_ptr_array_index(b->jobs, i);
		ok = store_add_outcomes(store, &metas[i], job->msg->report,
		    messages[i], &added, error);
		job->item->again = !added;
	}
	if (ok)
		return store_commit(store, error);	/* rolls back if not */
	store_rollback(store);
	return 0;
}

/*
 * A batch that lost to another daemon's (a deadlock on PostgreSQL: two
 * transactions each waiting for a row the other wrote) is run again
 * whole, up to INTAKE_TRIES times, before its senders are told 451.
 */
static void
intake_write_batch(struct intake *in, struct intake_batch *b)
{
	g_autoptr(GError) error = NULL;
	struct store *store = in->store;
	gint64 start = g_get_monotonic_time();
	int tries;

	for (tries = 1; !(b->ok = intake_try_batch(in, b, &error)) &&
	    tries < INTAKE_TRIES && store_retry(store); tries++) {
		g_info("batch lost to another writer, again: %s",
		    error->message);
		g_clear_error(&error);
	}
	if (!b->ok)
		b->error = g_strdup(error->message);
	store_guard_counts(store, &b->incidents_open, &b->incidents_opened,
	    &b->held);
	store_guard_syncs(store, &b->guard_catchups, &b->guard_rebuilds);
	store_turn_seconds(store, &b->turn_waited, &b->turn_held);
	b->seconds = (g_get_monotonic_time() - start) / 1e6;
}

/* In the writer: the events due now become readable. */
static void
intake_publish(struct store *store)
{
	g_autoptr(GError) error = NULL;
	guint n;

	if (!store_events_publish(store, g_get_real_time() / G_USEC_PER_SEC,
	    &n, &error))
		g_warning("events: cannot publish: %s (again in a second)",
		    error->message);
	else if (n > 0)
		g_info("events: %u published", n);
}

/* The writer thread: the only one that touches the database. */
static gpointer
intake_write_thread(gpointer arg)
{
	struct intake *in = arg;
	struct intake_batch *b;

	for (;;) {
		b = g_async_queue_timeout_pop(in->to_write, INTAKE_PUBLISH_USEC);
		if (b == &intake_stop_writer)
			break;
		if (b != NULL) {
			intake_write_batch(in, b);
			g_async_queue_push(in->written, b);
			intake_wake(in);
		}
		intake_publish(in->store);
	}
	return NULL;
}

/* Give the gathered jobs to the writer, unless it is busy. */
static void
intake_send(struct intake *in)
{
	struct intake_batch *b;

	if (in->writing != NULL || in->batch->len == 0)
		return;
	evtimer_del(in->timer);
	b = g_new0(struct intake_batch, 1);
	b->jobs = in->batch;
	in->batch = g_ptr_array_new_with_free_func(intake_job_free);
	in->writing = b;
	g_async_queue_push(in->to_write, b);
}

/*
 * The database failed (PostgreSQL gone, a SQLite file locked or full)
 * or works again: said once each way, and kept for /healthz.
 */
static void
intake_store_changed(struct intake *in, struct intake_batch *b)
{
	in->stats.store_failing = !b->ok;
	g_free(in->stats.store_error);
	in->stats.store_error = g_strdup(b->error);
	if (b->ok)
		g_message("store: transactions commit again");
	else
		g_warning("store: transactions fail, mail is refused with 451 "
		    "until they commit again: %s", b->error);
}

/* A batch is back from the writer: its messages are done, either way. */
static void
intake_written(struct intake *in, struct intake_batch *b)
{
	guint i;

	in->stats.commits++;
	in->stats.commit_failures += !b->ok;
	in->stats.commit_seconds += b->seconds;
	in->stats.incidents_open = b->incidents_open;
	in->stats.incidents_opened = b->incidents_opened;
	in->stats.outcomes_held = b->held;
	in->stats.guard_catchups = b->guard_catchups;
	in->stats.guard_rebuilds = b->guard_rebuilds;
	in->stats.turn_waited = b->turn_waited;
	in->stats.turn_held = b->turn_held;
	if (b->ok != !in->stats.store_failing)
		intake_store_changed(in, b);
	for (i = 0; i < b->jobs->len; i++) {
		struct intake_job *job = g_ptr_array_index(b->jobs, i);

		job->item->ok = b->ok;
		if (!b->ok)
			job->item->error = g_strdup(b->error);
		g_ptr_array_add(in->finished, job->item);
	}
	g_ptr_array_unref(b->jobs);
	g_free(b->error);
	g_free(b);
	in->writing = NULL;
	event_active(in->deliver, EV_WRITE, 0);
	/* What gathered meanwhile has waited long enough. */
	intake_send(in);
}

static void
intake_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	intake_send(arg);
}

/* Idle for a while: an empty batch, so the writer sees the clock move. */
static void
intake_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct intake *in = arg;
	struct intake_batch *b;

	if (in->writing != NULL || in->batch->len != 0)
		return;
	b = g_new0(struct intake_batch, 1);
	b->jobs = g_ptr_array_new_with_free_func(intake_job_free);
	in->writing = b;
	g_async_queue_push(in->to_write, b);
}

/* Before any thread starts: what can fail does first. */
static int
intake_events_new(struct intake *in, GError **error)
{
	in->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (in->wake_fd < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "intake: eventfd: %s", g_strerror(errno));
		return 0;
	}
	struct timeval tick = { INTAKE_TICK_SECONDS, 0 };

	in->timer = evtimer_new(in->base, intake_timer_cb, in);
	in->ticker = event_new(in->base, -1, EV_PERSIST, intake_tick_cb, in);
	in->deliver = event_new(in->base, -1, 0, intake_deliver_cb, in);
	in->wake = event_new(in->base, in->wake_fd, EV_READ | EV_PERSIST,
	    intake_wake_cb, in);
	if (in->timer == NULL || in->ticker == NULL || in->deliver == NULL ||
	    in->wake == NULL || event_add(in->wake, NULL) != 0 ||
	    event_add(in->ticker, &tick) != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
		    "intake: cannot make its events: out of resources");
		g_clear_pointer(&in->timer, event_free);
		g_clear_pointer(&in->ticker, event_free);
		g_clear_pointer(&in->deliver, event_free);
		g_clear_pointer(&in->wake, event_free);
		close(in->wake_fd);
		return 0;
	}
	return 1;
}

struct intake *
intake_new(struct event_base *base, struct store *store,
    const struct conf_intake *conf, const struct parse_limits *limits,
    const struct verp *verp, const struct policy *policy,
    const struct probe_conf *probe, GError **error)
{
	struct intake *in = g_new0(struct intake, 1);

	in->base = base;
	in->store = store;
	in->conf = conf;
	in->limits = limits;
	in->verp = verp;
	in->policy = policy;
	in->probe = probe;
	if (!intake_events_new(in, error)) {
		g_free(in);
		return NULL;
	}
	in->batch = g_ptr_array_new_with_free_func(intake_job_free);
	in->finished = g_ptr_array_new_with_free_func(intake_item_free);
	in->parsed = g_async_queue_new();
	in->to_write = g_async_queue_new();
	in->written = g_async_queue_new();
	in->stats.messages = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	in->stats.recipients = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	in->held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	store_set_incident_fn(store, intake_incident, in);
	/*
	 * Exclusive: its threads start here and stay.  A shared pool would
	 * have GLib call sched_setattr() for each thread it starts later,
	 * a call rebound.service forbids (@resources).
	 */
	in->pool = g_thread_pool_new(intake_work, in,
	    (int)g_get_num_processors(), TRUE, NULL);
	in->writer = g_thread_new("writer", intake_write_thread, in);
	return in;
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
	    report_reason_name(r->reason), r->hard ? " (hard)" : "");
}

/*
 * In a worker: a message that is not a bounce goes to the source's
 * keep maildir, for a person to read, before anything acknowledges it.
 * Named by its digest, a retry of it is kept once.
 */
static void
intake_keep(struct intake_job *job)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *name = NULL;

	if (job->keep == NULL || job->msg->report->kind != REPORT_NONE)
		return;
	name = g_strdup_printf("%.32s.rebound", job->item->digest);
	if (!mda_deliver(job->keep, name, job->bytes, job->len, &error))
		job->item->error = g_strdup_printf("not a bounce, and not kept: %s",
		    error->message);
	else
		g_info("%s: not a bounce: kept as %s/new/%s", job->item->id,
		    job->keep, name);
}

/* In a worker: parse, classify, digest, VERP; hand back to the loop. */
static void
intake_work(gpointer data, gpointer user)
{
	struct intake_job *job = data;
	struct intake *in = user;

	g_autoptr(GError) error = NULL;

	if (job->webhook)
		job->msg = ingest_parse_webhook(job->webhook_kind, job->bytes,
		    job->len, &error);
	else
		job->msg = ingest_parse(job->bytes, job->len, &job->limits,
		    &job->verp, job->probe_address, job->envelope_to);
	if (job->msg == NULL) {
		/* The source checked it: only a bug gets here. */
		job->item->error = g_strdup(error->message);
		g_clear_pointer(&job->bytes, g_free);
		g_async_queue_push(in->parsed, job);
		intake_wake(in);
		return;
	}
	intake_describe(job->item, job->msg->report);
	memcpy(job->item->digest, job->msg->digest, sizeof job->item->digest);
	intake_keep(job);
	g_clear_pointer(&job->bytes, g_free);
	g_async_queue_push(in->parsed, job);
	intake_wake(in);
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

		intake_count(in->stats.recipients, report_class_name(r->class),
		    report_reason_name(r->reason));
	}
}

/*
 * The count of bytes intake holds for a source: from intake_submit()
 * until the loop sees the job back from its worker, which has freed
 * them by then (so a moment late, never too early).
 */
static gsize *
intake_held_count(struct intake *in, const char *source)
{
	gsize *n = g_hash_table_lookup(in->held, source);

	if (n == NULL) {
		n = g_new0(gsize, 1);
		g_hash_table_insert(in->held, g_strdup(source), n);
	}
	return n;
}

/* In the loop: add a parsed message to the next batch. */
static void
intake_add(struct intake *in, struct intake_job *job)
{
	struct timeval tv = { in->conf->delay / 1000,
	    (in->conf->delay % 1000) * 1000 };

	in->parsing--;
	*intake_held_count(in, job->source) -= job->len;
	if (job->item->error != NULL) {
		/* Not kept, so not recorded: the source keeps it instead. */
		g_ptr_array_add(in->finished, g_steal_pointer(&job->item));
		event_active(in->deliver, EV_WRITE, 0);
		intake_job_free(job);
		return;
	}
	/* Never refused for its content: what came before the limit counts. */
	if (job->msg->report->limit != NULL)
		g_info("%s: %.12s: cut short by %s; recording what came "
		    "before it", job->item->id, job->item->digest,
		    job->msg->report->limit);
	job->received = g_get_real_time() / G_USEC_PER_SEC;
	intake_count_report(in, job->source, job->msg->report);
	if (in->batch->len == 0)
		evtimer_add(in->timer, &tv);
	g_ptr_array_add(in->batch, job);
	if (in->batch->len >= (guint)in->conf->batch)
		intake_send(in);
}

/* Take back what the workers and the writer have finished. */
static void
intake_collect(struct intake *in)
{
	struct intake_batch *b;
	struct intake_job *job;

	while (in->parsing > 0 &&
	    (job = g_async_queue_try_pop(in->parsed)) != NULL)
		intake_add(in, job);
	while ((b = g_async_queue_try_pop(in->written)) != NULL)
		intake_written(in, b);
}

static void
intake_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	guint64 n;

	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		g_warning("intake: eventfd: %s", g_strerror(errno));
	intake_collect(arg);
}

static gpointer
intake_strdup(gconstpointer s, gpointer unused)
{
	return g_strdup(s);
}

static struct intake_job *
intake_job_new(struct intake *in, char *bytes, size_t len,
    const char *source, const char *id, intake_done_fn done, void *arg)
{
	struct intake_job *job = g_new0(struct intake_job, 1);

	job->item = g_new0(struct intake_item, 1);
	job->item->done = done;
	job->item->arg = arg;
	job->item->id = g_strdup(id);
	job->bytes = bytes;
	job->len = len;
	job->source = g_strdup(source);
	job->limits = *in->limits;
	job->verp = *in->verp;
	return job;
}

static void
intake_push(struct intake *in, struct intake_job *job)
{
	*intake_held_count(in, job->source) += job->len;
	in->parsing++;
	g_thread_pool_push(in->pool, job, NULL);
}

/* Hand one message to the workers; its callback comes after the commit. */
void
intake_submit(struct intake *in, char *bytes, size_t len,
    const char *source, GPtrArray *envelope_to, const char *keep,
    const char *id, intake_done_fn done, void *arg)
{
	struct intake_job *job = intake_job_new(in, bytes, len, source, id,
	    done, arg);

	job->keep = g_strdup(keep);
	if (envelope_to != NULL)
		job->envelope_to = g_ptr_array_copy(envelope_to, intake_strdup,
		    NULL);
	if (in->probe->relay != NULL)
		job->probe_address = g_strdup(in->probe->address);
	intake_push(in, job);
}

/* Likewise a webhook's post, which the source has authenticated. */
void
intake_submit_webhook(struct intake *in, enum webhook_kind kind, char *body,
    size_t len, const char *source, const char *id, intake_done_fn done,
    void *arg)
{
	struct intake_job *job = intake_job_new(in, body, len, source, id,
	    done, arg);

	job->webhook = 1;
	job->webhook_kind = kind;
	intake_push(in, job);
}

/*
 * Wait until everything submitted is parsed, written and committed,
 * then tell every source now (at shutdown, and before a reload changes
 * what the writer uses).
 */
void
intake_flush(struct intake *in)
{
	while (in->parsing > 0)
		intake_add(in, g_async_queue_pop(in->parsed));
	intake_send(in);
	while (in->writing != NULL)
		intake_written(in, g_async_queue_pop(in->written));
	event_del(in->deliver);
	intake_report_results(in);
}

/* New policy settings for the store (SIGHUP). */
void
intake_set_policy(struct intake *in, const struct policy *policy)
{
	intake_flush(in);
	store_set_policy(in->store, policy);
}

const struct intake_stats *
intake_stats(struct intake *in)
{
	return &in->stats;
}

gsize
intake_held(struct intake *in, const char *source)
{
	const gsize *n = g_hash_table_lookup(in->held, source);

	return n != NULL ? *n : 0;
}

const gsize *
intake_held_at(struct intake *in, const char *source)
{
	return intake_held_count(in, source);
}

guint
intake_pending(struct intake *in)
{
	return in->parsing + in->batch->len +
	    (in->writing ? in->writing->jobs->len : 0) + in->finished->len;
}

void
intake_free(struct intake **inp)
{
	struct intake *in = *inp;

	if (in == NULL)
		return;
	intake_flush(in);
	g_async_queue_push(in->to_write, &intake_stop_writer);
	g_thread_join(in->writer);
	g_thread_pool_free(in->pool, FALSE, TRUE);
	g_async_queue_unref(in->parsed);
	g_async_queue_unref(in->to_write);
	g_async_queue_unref(in->written);
	event_free(in->wake);
	close(in->wake_fd);
	event_free(in->timer);
	event_free(in->ticker);
	event_free(in->deliver);
	g_ptr_array_unref(in->batch);
	g_ptr_array_unref(in->finished);
	g_hash_table_destroy(in->stats.messages);
	g_hash_table_destroy(in->stats.recipients);
	g_free(in->stats.store_error);
	g_hash_table_destroy(in->held);
	g_free(in);
	*inp = NULL;
}
