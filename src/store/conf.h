/*
 * conf.h: rebound.conf, as GKeyFile INI.
 */
#ifndef REBOUND_CONF_H
#define REBOUND_CONF_H

#include <glib.h>

#include "parse.h"
#include "policy.h"
#include "probe.h"
#include "verp.h"
#include "webhook_parse.h"

#define CONF_DB_DEFAULT	"/var/lib/rebound/rebound.db"
/* [store] node: at most this long (a host name's limit, RFC 1035). */
#define CONF_NODE_MAX	255

/* [hook NAME] kind: who receives the events (conf_hook.c). */
enum conf_hook_kind { CONF_HOOK_WEBHOOK, CONF_HOOK_MAILMAN3, CONF_HOOK_LISTMONK };
#define CONF_HOOK_KINDS	(CONF_HOOK_LISTMONK + 1)
/* [hook NAME] action: what a list manager does to a dead address. */
enum conf_hook_action { CONF_HOOK_REMOVE, CONF_HOOK_DISABLE };

/* One [hook NAME] group. */
struct conf_hook {
	char		*name;
	enum conf_hook_kind kind;
	char		*url;
	char		*secret;	/* webhook: the HMAC key */
	char		*user;		/* HTTP Basic, or NULL */
	char		*password;
	enum conf_hook_action action;
	char		**types;	/* event types sent; NULL: every type */
	int		 dry_run;
	int		 max_actions;	/* max_actions_per_hour; 0: no limit */
};

/* When an outcome happened, as the policy and the guard count it. */
enum conf_dating {
	DATING_BOUNCE,		/* its bounce's date if plausible, else arrival */
	DATING_ARRIVAL,		/* when it arrived */
	DATING_DATE		/* its bounce's date, else arrival: an archive */
};

/* [store]: the database. */
struct conf_store {
	char		*path;		/* path: a SQLite file */
	char		*url;		/* url: postgresql://..., or NULL */
	int		 sync_full;	/* synchronous = full|normal */
	int		 busy_timeout;	/* busy_timeout, milliseconds */
	int		 batch;		/* batch, messages per commit */
	char		*node;		/* node: who records, in each outcome
					   (default the host name) */
};

/* [lmtp]: reboundd's LMTP server. */
struct conf_lmtp {
	char		**listen;	/* listen: unix:/path, host:port */
	int		 socket_mode;	/* socket_mode */
	char		*socket_group;	/* socket_group, or NULL */
	int		 max_sessions;	/* max_sessions */
	int		 max_size;	/* max_message_size, bytes */
	int		 idle_timeout;	/* idle_timeout, seconds */
	int		 reply_timeout;	/* reply_timeout, seconds */
	int		 data_timeout;	/* data_timeout, seconds */
	guint64		 max_buffered;	/* max_buffered, bytes, all sessions */
	char		*other;		/* other: maildir for non-bounces;
					   conf_settle(): NotBounce beside
					   the database */
};

/* [maildir]: reboundd's maildir source. */
struct conf_maildir {
	char		*path;		/* path, or NULL */
	int		 delete;	/* done = delete */
	char		*done;		/* done = FOLDER (NULL: cur) */
	char		*other;		/* other: folder for non-bounces */
	int		 max_size;	/* max_message_size, bytes */
};

/* [intake]: group commit. */
struct conf_intake {
	int		 batch;		/* batch, messages */
	int		 delay;		/* delay, milliseconds */
	enum conf_dating dating;	/* dating */
};

/* [metrics]: the Prometheus endpoint. */
struct conf_metrics {
	char		*listen;	/* listen: port or host:port */
};

/* [webhook NAME]: one sending service's endpoint (conf_webhook.c). */
struct conf_webhook {
	char		*name;
	enum webhook_kind kind;		/* kind */
	char		*path;		/* path: "/mailgun" */
	char		*signing_key;	/* signing_key (Mailgun) */
	char		*public_key;	/* public_key (SendGrid): PEM or
					   base64 DER */
	char		*user;		/* user (Postmark): HTTP Basic */
	char		*password;	/* password (Postmark) */
	int		 max_age;	/* max_age, seconds: the oldest
					   signed timestamp taken */
	char		**topic_arns;	/* topic_arn (SES): the SNS topics
					   taken, NULL-ended */
	char		**cert_hosts;	/* cert_hosts (SES): host patterns
					   of SigningCertURL, SubscribeURL */
	char		*ca_file;	/* ca_file (SES): the CAs trusted
					   instead of the system's */
	int		 confirm_subscription;	/* confirm_subscription (SES) */
};

/* [http]: the webhook listener, and its [webhook NAME] groups. */
struct conf_http {
	char		*listen;	/* listen: host:port, or NULL */
	guint64		 max_body;	/* max_body_size, bytes: 413 */
	guint		 max_header;	/* max_header_size, bytes: 431 */
	int		 read_timeout;	/* read_timeout, seconds: 408 */
	int		 max_requests;	/* max_requests at once: 503 */
	int		 max_connections; /* max_connections open: 503 */
	GPtrArray	*webhooks;	/* of struct conf_webhook * */
};

/* [events]: the outbox. */
struct conf_events {
	int		 delay;		/* delay, seconds; conf_settle(): the
					   guard's window, or 0 */
};

/* [hooks] and the [hook NAME] groups (conf_hook.c). */
struct conf_hooks {
	GPtrArray	*list;		/* of struct conf_hook *: [hook NAME] */
	int		 max_age;	/* max_age, seconds */
	int		 connect_timeout; /* connect_timeout, seconds */
	int		 timeout;	/* timeout, seconds */
	int		 lease;		/* lease, seconds (PostgreSQL) */
};

/* [guard]: the keys the policy does not take (those are policy.guard). */
struct conf_guard {
	GHashTable	*providers;	/* providers: the site's DOMAIN to
					   PROVIDER lines, or NULL */
	int		 late_set;	/* late given: conf_settle() keeps it */
};

/* [daemon]. */
struct conf_daemon {
	char		*user;		/* user: run as, after binding */
};

/* rebound.conf: one member a section. */
struct conf {
	char		*file;		/* where it was read from, or NULL */
	struct conf_store store;
	struct policy	 policy;	/* [policy], and [guard] in .guard */
	struct conf_guard guard;	/* [guard] providers */
	struct verp	 verp;		/* [verp] */
	struct parse_limits limits;	/* [limits] */
	struct conf_events events;
	struct conf_maildir maildir;
	struct conf_lmtp lmtp;
	struct conf_intake intake;
	struct conf_metrics metrics;
	struct conf_daemon daemon;
	struct conf_hooks hooks;
	struct conf_http http;		/* [http], [webhook NAME] */
	struct probe_conf probe;	/* [probe] */
};

/* A key of rebound.conf that takes a boolean (conf_bool_keys()). */
struct conf_bool_key {
	const char	*group;		/* "hook": a key of every [hook NAME] */
	const char	*key;
	size_t		 offset;	/* of its int in struct conf, or for
					   a hook's in struct conf_hook */
};

void	 conf_defaults(struct conf *);
int	 conf_load(struct conf *, const char *file, GError **);
int	 conf_load_data(struct conf *, const char *file, const char *text,
	    gsize len, GError **);
void	 conf_settle(struct conf *);
void	 conf_clear(struct conf *);
GArray	*conf_bool_keys(void);

/* conf_hook.c: the [hook NAME] groups and [hooks]. */
const char *conf_hook_kind_name(enum conf_hook_kind);
char	*conf_hook_types(const struct conf_hook *);
void	 conf_hook_free(struct conf_hook *);

/* conf_store.c: the database [store] names: its url, else its path. */
const char	*conf_store_where(const struct conf_store *);
/* where as logs and messages show it: a password as "***". */
char		*conf_store_shown(const char *where);
/* A password in arg overwritten in place, for ps(1). */
void		 conf_store_hide(char *arg);
/* A --db: a postgresql:// URI or key=value is a url, else a path. */
void		 conf_store_set(struct conf_store *, const char *where);
int		 conf_store_check(const char *where, int url, GError **);

#endif
