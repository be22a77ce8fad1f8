/*
 * ingest.h: one returned message, from its bytes to the store's rows,
 * the same whatever brought it: reboundd's maildir and LMTP (through
 * intake.c) and "rebound import" (cmd_import.c) call these and nothing
 * else to parse, classify, digest, pick the VERP address and record.
 *
 * It is two steps because they run on different threads: ingest_parse()
 * is pure (no I/O, no shared state) and runs on any worker thread;
 * ingest_record() writes the rows on the thread that owns the store.
 * What must differ between the sources is a parameter, never a second
 * copy: the envelope recipients the source knows (RCPT TO, or none) and
 * how an outcome is dated (enum conf_dating, [intake] dating).
 */
#ifndef REBOUND_INGEST_H
#define REBOUND_INGEST_H

#include <stddef.h>

#include <glib.h>

#include "listid.h"
#include "parse.h"
#include "report.h"
#include "store.h"
#include "verp.h"
#include "webhook_parse.h"

/* A parsed and classified message, ready to record. */
struct ingest {
	struct report	*report;
	char		 digest[DIGEST_SIZE];	/* SHA-256, hex */
	gint64		 date;		/* the bounce's (parse_date.c), or 0;
					   an importer may date it better */
	char		*envelope_to;	/* the envelope recipient recorded */
	char		*subscriber;	/* VERP-decoded from it, or NULL */
	char		*bounce;	/* the bounce address, or NULL */
	struct listid	 list;		/* List-Id, else the bounce address's */
	char		*probe_token;	/* sent to a probe's return path */
};

struct ingest	*ingest_parse(const char *bytes, size_t len,
		    const struct parse_limits *, const struct verp *,
		    const char *probe_address, const GPtrArray *envelope_to);
/*
 * A webhook's body (webhook_parse.h), already authenticated: NULL and an
 * error if it is not the kind's JSON.  Its digest is the service's event
 * id, so that a retried or duplicated post counts once.
 */
struct ingest	*ingest_parse_webhook(enum webhook_kind, const char *body,
		    size_t len, GError **);
int		 ingest_record(struct store *, const struct ingest *,
		    const char *source, gint64 arrived, enum conf_dating,
		    gint64 late, int *added_r, GError **);
struct store_meta;
void		 ingest_meta(const struct ingest *, const char *source,
		    gint64 arrived, enum conf_dating, gint64 late,
		    struct store_meta *);
void		 ingest_free(struct ingest **);

#endif
