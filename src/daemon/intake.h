/*
 * intake.h: where every source hands a returned message, and learns
 * when it is safe to acknowledge it.
 *
 * A source (maildir.c, lmtp.c) submits a message's bytes; intake parses
 * and classifies it at once (ingest.h, the step "rebound import" takes
 * too) and adds it to the open database batch, each outcome dated by
 * the message's arrival.  The
 * batch is committed when it holds [intake] batch messages or its first
 * message has waited [intake] delay milliseconds, whichever comes first
 * (group commit).  Only then is each message's callback called, with
 * ok = 1 once the commit is on disk, or ok = 0 when the batch could not
 * be committed (nothing of it is recorded; the source must keep the
 * message: "451 4.3.0" over LMTP, the file left in new/ for a maildir).
 * Callbacks run from the event loop, never from within intake_submit().
 *
 * bytes (g_malloc'd) become intake's: it frees them once parsed.
 * Until then intake_held() counts them under their source, so that a
 * source can bound the memory it has handed over.
 *
 * envelope_to (of char *, copied; NULL for none) holds the envelope
 * recipients: the message is recorded under the first that decodes as
 * VERP, else under its headers' (Delivered-To, X-Original-To) if that
 * does, else under the first given (ingest.c has the rule).
 *
 * keep (or NULL) is a maildir where a message that is not a bounce is
 * delivered, on disk before the callback; if that fails, the callback
 * says not ok.
 */
#ifndef REBOUND_INTAKE_H
#define REBOUND_INTAKE_H

#include <stddef.h>

#include <event2/event.h>

#include "conf.h"
#include "report.h"
#include "store.h"
#include "webhook_parse.h"

/* What became of one submitted message. */
struct intake_result {
	int		 ok;		/* committed to disk */
	enum report_kind kind;		/* REPORT_NONE: not a bounce */
	const char	*error;		/* why not ok, for the log */
};

typedef void	(*intake_done_fn)(void *arg, const struct intake_result *);

/* What went through intake since start (for the metrics listener). */
struct intake_stats {
	GHashTable	*messages;	/* "source kind" -> guint64 count */
	GHashTable	*recipients;	/* "class reason" -> guint64 count */
	guint64		 commits;
	guint64		 commit_failures;
	double		 commit_seconds;	/* summed */
	guint		 incidents_open;	/* the incident guard's */
	guint64		 incidents_opened;	/* since start */
	guint64		 outcomes_held;		/* since start */
	guint64		 guard_catchups;	/* since start */
	guint64		 guard_rebuilds;	/* since start */
	double		 turn_waited;	/* the writers' turn, seconds */
	double		 turn_held;	/* since start */
	int		 store_failing;	/* the last transaction failed */
	char		*store_error;	/* and why, else NULL */
};

struct intake;

/*
 * The sections are read while running (a reload changes them in place
 * between batches): they must outlive the struct intake.
 */
struct intake	*intake_new(struct event_base *, struct store *,
		    const struct conf_intake *, const struct parse_limits *,
		    const struct verp *, const struct policy *,
		    const struct probe_conf *, GError **);
void		 intake_submit(struct intake *, char *bytes, size_t len,
		    const char *source, GPtrArray *envelope_to,
		    const char *keep,
		    const char *id, intake_done_fn done, void *arg);
/* A webhook's post (webhook.c), authenticated, checked by webhook_parse(). */
void		 intake_submit_webhook(struct intake *, enum webhook_kind,
		    char *body, size_t len, const char *source, const char *id,
		    intake_done_fn done, void *arg);
void		 intake_flush(struct intake *);
void		 intake_set_policy(struct intake *, const struct policy *);
guint		 intake_pending(struct intake *);
gsize		 intake_held(struct intake *, const char *source);
/*
 * Where intake_held() of source is counted, for a caller that reads it
 * at every line (LMTP's DATA); valid until intake_free().
 */
const gsize	*intake_held_at(struct intake *, const char *source);
const struct intake_stats *intake_stats(struct intake *);
void		 intake_free(struct intake **);

#endif
