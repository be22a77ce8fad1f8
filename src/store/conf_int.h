/*
 * conf_int.h: what conf.c and its section readers (conf_hook.c,
 * conf_probe.c, conf_webhook.c) share, and nothing outside them sees,
 * grouped by the file that defines it.
 */
#ifndef REBOUND_CONF_INT_H
#define REBOUND_CONF_INT_H

#include <glib.h>

#include "conf.h"

/* conf_value.c */
/*
 * How a [KIND NAME] group is read (conf_group_read()): set reads one
 * key's value into the item, or fails (conf_invalid(), "unknown key"
 * for a key it does not know); kinds is "a, b or c", for a group
 * without a kind.
 */
struct conf_group {
	int		(*set)(void *item, const char *key, const char *value,
			    GError **);
	char		*(*kinds)(void);
};

int	 conf_set_string(char **slot, const char *value);
int	 conf_set_nonempty(char **slot, const char *value, GError **);
int	 conf_set_net_url(char **slot, const char *value, const char *scheme,
	    const char *scheme2, GError **);
int	 conf_duration(const char *value, int min, int max, int *out,
	    GError **);
int	 conf_invalid(GError **, const char *, ...) G_GNUC_PRINTF(2, 3);
int	 conf_group_read(const struct conf_group *, void *item, GKeyFile *,
	    const char *group, const char **key_r, GError **);

/* conf_hook.c */
void	 conf_hook_defaults(struct conf *);
int	 conf_hook_group(struct conf *, GKeyFile *, const char *group,
	    const char **key_r, GError **);
int	 conf_hooks_set(struct conf *, const char *key, const char *value,
	    GError **);
void	 conf_hook_bool_keys(GArray *);

/* conf_probe.c */
int	 conf_probe_set(struct conf *, const char *key, const char *value,
	    GError **);
int	 conf_probe_finish(struct conf *, GError **);

/* conf_webhook.c */
void	 conf_http_defaults(struct conf *);
void	 conf_http_clear(struct conf *);
int	 conf_http_set(struct conf *, const char *key, const char *value,
	    GError **);
int	 conf_webhook_group(struct conf *, GKeyFile *, const char *group,
	    const char **key_r, GError **);

#endif
