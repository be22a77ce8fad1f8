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
 */
#include "config.h"

#include <string.h>

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
};

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

/* Parse, classify and add one message to the open batch. */
void
intake_submit(struct intake *in, const char *bytes, size_t len,
    const char *source, const char *envelope_to, const char *id,
    intake_done_fn done, void *arg)
{
	struct intake_item *it = g_new0(struct intake_item, 1);
	g_autofree char *subscriber = NULL, *list = NULL;
	struct store_meta meta = { .source = source };
	g_autoptr(GError) error = NULL;
	struct report *rp;
	int added;

	it->done = done;
	it->arg = arg;
	it->id = g_strdup(id);
	rp = parse_message(bytes, len);
	classify_report(rp);
	intake_describe(it, rp);
	store_digest(bytes, len, it->digest);
	memcpy(meta.digest, it->digest, sizeof meta.digest);
	meta.received = meta.at = g_get_real_time() / G_USEC_PER_SEC;
	meta.envelope_to = envelope_to ? envelope_to : rp->envelope_to;
	if (verp_decode(&in->conf->verp, meta.envelope_to, &subscriber, &list)) {
		meta.subscriber = subscriber;
		meta.list = list;
	}
	intake_open(in);
	if (in->error == NULL && !store_add(in->store, &meta, rp, &added, &error))
		in->error = g_strdup(error->message);
	report_free(&rp);
	g_ptr_array_add(in->batch, it);
	if (in->batch->len >= (guint)in->conf->intake_batch || in->error != NULL)
		intake_commit(in);
}

/* Commit what is open and tell every source now (at shutdown). */
void
intake_flush(struct intake *in)
{
	intake_commit(in);
	event_del(in->deliver);
	intake_report_results(in);
}

guint
intake_pending(struct intake *in)
{
	return in->batch->len + in->finished->len;
}

void
intake_free(struct intake **inp)
{
	struct intake *in = *inp;

	if (in == NULL)
		return;
	intake_flush(in);
	event_free(in->timer);
	event_free(in->deliver);
	g_ptr_array_unref(in->batch);
	g_ptr_array_unref(in->finished);
	g_free(in->error);
	g_free(in);
	*inp = NULL;
}
