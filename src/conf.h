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

#define CONF_DB_DEFAULT	"/var/lib/rebound/rebound.db"

/* [hook NAME] kind: who receives the events (conf_hook.c). */
enum conf_hook_kind { CONF_HOOK_WEBHOOK, CONF_HOOK_MAILMAN3, CONF_HOOK_LISTMONK };
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

struct conf {
	char		*file;		/* where it was read from, or NULL */
	char		*db_path;	/* [store] path */
	int		 sync_full;	/* [store] synchronous = full|normal */
	int		 busy_timeout;	/* [store] busy_timeout, milliseconds */
	int		 batch;		/* [store] batch, messages per commit */
	struct policy	 policy;
	struct verp	 verp;
	struct parse_limits limits;	/* [limits] */
	int		 event_delay;	/* [events] delay, seconds; -1: unset */

	/* The daemon (reboundd). */
	char		*maildir;	/* [maildir] path, or NULL */
	int		 maildir_delete; /* [maildir] done = delete */
	char		*maildir_done;	/* [maildir] done = FOLDER (NULL: cur) */
	char		*maildir_other;	/* [maildir] other: folder for non-bounces */
	int		 maildir_max_size; /* [maildir] max_message_size, bytes */
	char		**listen;	/* [lmtp] listen: unix:/path, host:port */
	int		 socket_mode;	/* [lmtp] socket_mode */
	char		*socket_group;	/* [lmtp] socket_group, or NULL */
	int		 max_sessions;	/* [lmtp] max_sessions */
	int		 max_size;	/* [lmtp] max_message_size, bytes */
	int		 idle_timeout;	/* [lmtp] idle_timeout, seconds */
	int		 reply_timeout;	/* [lmtp] reply_timeout, seconds */
	int		 data_timeout;	/* [lmtp] data_timeout, seconds */
	guint64		 max_buffered;	/* [lmtp] max_buffered, bytes, all sessions */
	char		*lmtp_other;	/* [lmtp] other: maildir for non-bounces */
	int		 intake_batch;	/* [intake] batch, messages */
	int		 intake_delay;	/* [intake] delay, milliseconds */
	enum conf_dating intake_dating;	/* [intake] dating */
	char		*metrics;	/* [metrics] listen: port or host:port */
	char		*user;		/* [daemon] user: run as, after binding */
	GPtrArray	*hooks;		/* of struct conf_hook *: [hook NAME] */
	int		 hook_max_age;	/* [hooks] max_age, seconds */
	int		 hook_connect_timeout;	/* [hooks] connect_timeout, seconds */
	int		 hook_timeout;	/* [hooks] timeout, seconds */
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
void	 conf_clear(struct conf *);
gint64	 conf_event_delay(const struct conf *);
GArray	*conf_bool_keys(void);
int	 conf_set_string(char **slot, const char *value);

/* conf_probe.c: [probe]. */
int	 conf_probe_set(struct conf *, const char *key, const char *value,
	    GError **);
int	 conf_probe_finish(struct conf *, GError **);

/* conf_hook.c: the [hook NAME] groups and [hooks]. */
void	 conf_hook_defaults(struct conf *);
int	 conf_hook_group(struct conf *, GKeyFile *, const char *group,
	    const char **key_r, GError **);
int	 conf_hooks_set(struct conf *, const char *key, const char *value,
	    GError **);
int	 conf_duration(const char *value, int min, int max, int *out,
	    GError **);
void	 conf_hook_bool_keys(GArray *);
const char *conf_hook_kind_name(enum conf_hook_kind);
char	*conf_hook_types(const struct conf_hook *);
void	 conf_hook_free(struct conf_hook *);

#endif
