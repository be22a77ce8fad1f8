/*
 * conf_int.h: what conf.c and its section readers (conf_hook.c,
 * conf_probe.c) share, and nothing outside them sees, grouped by the
 * file that defines it.
 */
#ifndef REBOUND_CONF_INT_H
#define REBOUND_CONF_INT_H

#include <glib.h>

#include "conf.h"

/* conf_value.c */
int	 conf_set_string(char **slot, const char *value);
int	 conf_duration(const char *value, int min, int max, int *out,
	    GError **);

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
