/*
 * store.h: the bounce database (SQLite).
 */
#ifndef REBOUND_STORE_H
#define REBOUND_STORE_H

#include <sqlite3.h>

#include <glib.h>

#include "conf.h"
#include "report.h"

/* A message's name: the SHA-256 of its bytes in hex, and a NUL. */
#define STORE_DIGEST_SIZE	65

/* What the source knows about a message, beside its report. */
struct store_meta {
	char		 digest[STORE_DIGEST_SIZE];
	gint64		 received;	/* when recorded */
	gint64		 at;		/* when it happened (the bounce's date) */
	const char	*source;	/* import, maildir, lmtp */
	const char	*envelope_to;
	const char	*subscriber;	/* VERP */
	const char	*list;
};

enum store_mode { STORE_READ, STORE_WRITE };

struct store;

struct store	*store_open(const char *path, const struct conf *,
		    enum store_mode, GError **);
void		 store_close(struct store **);
sqlite3		*store_db(struct store *);

void		 store_digest(const char *buf, size_t len,
		    char out[STORE_DIGEST_SIZE]);
int		 store_begin(struct store *, GError **);
int		 store_add(struct store *, const struct store_meta *,
		    const struct report *, int *added_r, GError **);
int		 store_commit(struct store *, GError **);
void		 store_rollback(struct store *);
void		 store_set_policy(struct store *, const struct policy *);
int		 store_replay(struct store *, const char *address, GError **);
int		 store_error(struct store *, GError **, const char *what);

#endif
