/*
 * ingest.c: one returned message, from its bytes to the store's rows.
 *
 * ingest_parse() parses within the [limits], classifies (the reason,
 * hard/soft and class come from classify.c alone), digests the bytes
 * and decides under which envelope recipient, and so which VERP
 * subscriber, the message is recorded.  ingest_record() dates the
 * outcomes and hands them to the store.  A message that is not a bounce
 * is parsed like any other: its report has kind REPORT_NONE and no
 * recipients, and the store records the message alone.
 */
#include "config.h"

#include <string.h>

#include "classify.h"
#include "ingest.h"
#include "probe.h"

/*
 * The VERP rule, one for every source.  The candidates, strongest
 * first: the envelope recipients the source was given (LMTP's RCPT TO:
 * where the MTA delivered the bounce, whatever the message says), then
 * the one the bounce's own headers name (Delivered-To, X-Original-To:
 * written by the MTA that delivered it to a maildir, the only evidence
 * a maildir or an archive has).  The first candidate that VERP-decodes
 * names the subscriber and is the recorded envelope recipient; when
 * none does, the first candidate is recorded and each outcome counts
 * against the address its report names.  The bounce address is the
 * decoded VERP's (news-bounces+ann=example.org@lists.example.net
 * without ann: news-bounces@lists.example.net), else the recorded
 * envelope recipient's, up to the delimiter (a Mailman probe's
 * news-bounces+TOKEN@...): it may name the list (ingest_list()).
 *
 * A candidate that is a probe's return path ([probe] address, given
 * only with a relay) wins over all: the bounce answers a probe, and the
 * store checks its token (store_probes.c).
 *
 * This was reboundd's rule, and "rebound import" (which has no RCPT TO)
 * already came to the same; reboundd now also reads the headers when no
 * RCPT TO decodes (a bounce forwarded from the VERP mailbox to a plain
 * LMTP address), where it used to take the report's addresses.
 */
static void
ingest_envelope(struct ingest *m, const struct verp *verp,
    const char *probe_address, const GPtrArray *rcpts)
{
	guint i, n = rcpts != NULL ? rcpts->len : 0;
	const char *to, *first = NULL;
	char *subscriber, *bounce;

	for (i = 0; i <= n; i++) {
		to = i < n ? g_ptr_array_index(rcpts, i) : m->report->envelope_to;
		if ((m->probe_token = probe_token_of(probe_address, to)) != NULL) {
			m->envelope_to = g_strdup(to);
			return;
		}
	}
	for (i = 0; i <= n; i++) {
		to = i < n ? g_ptr_array_index(rcpts, i) : m->report->envelope_to;
		if (to == NULL)
			continue;
		if (first == NULL)
			first = to;
		if (verp_decode(verp, to, &subscriber, &bounce)) {
			m->envelope_to = g_strdup(to);
			m->subscriber = subscriber;
			m->bounce = bounce;
			return;
		}
		g_free(subscriber);
		g_free(bounce);
	}
	m->envelope_to = g_strdup(first);
	m->bounce = first != NULL ? verp_bounce(verp, first) : NULL;
}

/*
 * The list: the returned message's List-Id, else what the bounce
 * address names (listid.c); never a generic bounce address.
 */
static void
ingest_list(struct ingest *m)
{
	const struct report *rp = m->report;

	listid_decide(rp->orig_list_id, rp->orig_list_post, m->bounce,
	    &m->list);
}

/* Any thread: bytes (and the source's envelope recipients) to a report. */
struct ingest *
ingest_parse(const char *bytes, size_t len, const struct parse_limits *limits,
    const struct verp *verp, const char *probe_address,
    const GPtrArray *envelope_to)
{
	struct ingest *m = g_new0(struct ingest, 1);

	m->report = parse_message_limited(bytes, len, limits);
	classify_report(m->report);
	digest_message(bytes, len, m->digest);
	m->date = m->report->date;
	ingest_envelope(m, verp, probe_address, envelope_to);
	ingest_list(m);
	return m;
}

/* Any thread: a webhook's post to a report, named by its event id. */
struct ingest *
ingest_parse_webhook(enum webhook_kind kind, const char *body, size_t len,
    GError **error)
{
	g_autofree char *id = NULL, *name = NULL;
	struct report *rp;
	struct ingest *m;

	if ((rp = webhook_parse(kind, body, len, &id, error)) == NULL)
		return NULL;
	m = g_new0(struct ingest, 1);
	m->report = rp;
	classify_report(m->report);
	name = g_strdup_printf("%s event %s", webhook_kind_name(kind), id);
	digest_message(name, strlen(name), m->digest);
	ingest_list(m);
	return m;
}

/*
 * When the outcomes of m happened.  bounce: the bounce's own date when
 * it is no later than its arrival and less than late before it (an
 * MTA's queue delivering a retry after newer mail, a backlog after an
 * outage), so that the guard counts each bounce in its own hour; else
 * the arrival: a date further off is a wrong clock or an old message
 * sent again, and live mail counts when it comes.  date: the bounce's
 * date whatever it is (an archive), else the arrival.
 */
static gint64
ingest_when(const struct ingest *m, gint64 arrived, enum conf_dating dating,
    gint64 late)
{
	switch (dating) {
	case DATING_BOUNCE:
		return m->date > 0 && m->date <= arrived &&
		    m->date > arrived - late ? m->date : arrived;
	case DATING_DATE:
		return m->date > 0 ? m->date : arrived;
	case DATING_ARRIVAL:
		break;
	}
	return arrived;
}

/*
 * Who m's outcomes are recorded under: VERP names the subscriber more
 * surely than any report, unless it names the list itself; NULL: each
 * recipient the report names.
 */
static const char *
ingest_address(const struct ingest *m)
{
	if (m->subscriber == NULL ||
	    report_is_list_address(m->report, m->subscriber))
		return NULL;
	return m->subscriber;
}

/*
 * The store's view of m, dated by ingest_when(): for store_add(), or its
 * two halves (store_add_message(), store_add_outcomes()), which the
 * daemon calls for a whole batch each.
 */
void
ingest_meta(const struct ingest *m, const char *source, gint64 arrived,
    enum conf_dating dating, gint64 late, struct store_meta *meta)
{
	memset(meta, 0, sizeof *meta);
	meta->received = arrived;
	meta->at = ingest_when(m, arrived, dating, late);
	meta->source = source;
	meta->envelope_to = m->envelope_to;
	meta->subscriber = m->subscriber;
	meta->address = ingest_address(m);
	meta->bounce = m->bounce;
	meta->list = m->list.id;
	meta->list_address = m->list.address;
	meta->probe_token = m->probe_token;
	memcpy(meta->digest, m->digest, sizeof meta->digest);
}

/*
 * The store's thread, inside a batch: record the message and its
 * outcomes (once: *added_r is 0 for a digest already stored).
 */
int
ingest_record(struct store *store, const struct ingest *m,
    const char *source, gint64 arrived, enum conf_dating dating,
    gint64 late, int *added_r, GError **error)
{
	struct store_meta meta;

	ingest_meta(m, source, arrived, dating, late, &meta);
	return store_add(store, &meta, m->report, added_r, error);
}

void
ingest_free(struct ingest **mp)
{
	struct ingest *m = *mp;

	if (m == NULL)
		return;
	report_free(&m->report);
	g_free(m->envelope_to);
	g_free(m->subscriber);
	g_free(m->bounce);
	listid_clear(&m->list);
	g_free(m->probe_token);
	g_free(m);
	*mp = NULL;
}
