/*
 * conf_probe.c: the [probe] group of rebound.conf (probe.h).
 *
 * Without relay, nothing is probed and a bounce makes an address dead
 * as it always did.  With one, secret, address (with "{token}") and
 * from are needed, or the file is refused: a probe nobody can answer,
 * or that anyone could answer, is worse than none.  The policy's probe
 * (what the fold of every history uses, in reboundd and in rebound
 * alike) is [probe] when with a relay, else never.
 */
#include "config.h"

#include <string.h>

#include "conf_int.h"
#include "probe.h"

#define CONF_PROBE_SECRET_MIN	16	/* bytes of [probe] secret, at least */

static int
conf_probe_when(struct conf *c, const char *value, GError **error)
{
	if (probe_when_parse(value, &c->probe.when))
		return 1;
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
	    "'%s' is not never, doubtful or always", value);
	return 0;
}

/* [probe] KEY = value. */
int
conf_probe_set(struct conf *c, const char *key, const char *value,
    GError **error)
{
	struct probe_conf *p = &c->probe;
	guint64 n;

	if (strcmp(key, "when") == 0)
		return conf_probe_when(c, value, error);
	if (strcmp(key, "wait") == 0)
		return conf_duration(value, 1, 60 * 86400, &p->wait, error);
	if (strcmp(key, "max_per_hour") == 0) {
		if (!g_ascii_string_to_unsigned(value, 10, 1, 100000, &n,
		    NULL)) {
			g_set_error(error, G_KEY_FILE_ERROR,
			    G_KEY_FILE_ERROR_INVALID_VALUE,
			    "'%s' is not a number from 1 to 100000", value);
			return 0;
		}
		p->max_per_hour = (int)n;
		return 1;
	}
	if (strcmp(key, "relay") == 0)
		return conf_set_net_url(&p->relay, value, "smtp", "smtps",
		    error);
	return conf_set_string(strcmp(key, "user") == 0 ? &p->user :
	    strcmp(key, "password") == 0 ? &p->password :
	    strcmp(key, "address") == 0 ? &p->address :
	    strcmp(key, "secret") == 0 ? &p->secret :
	    strcmp(key, "from") == 0 ? &p->from :
	    strcmp(key, "subject") == 0 ? &p->subject : &p->template, value);
}

/* After the whole file: what a relay needs, and the policy's probe. */
int
conf_probe_finish(struct conf *c, GError **error)
{
	struct probe_conf *p = &c->probe;
	const char *missing = NULL;

	c->policy.probe = p->relay != NULL ? p->when : PROBE_NEVER;
	if (p->relay == NULL)
		return 1;
	if (p->secret == NULL || strlen(p->secret) < CONF_PROBE_SECRET_MIN)
		missing = "secret (of 16 bytes or more)";
	else if (p->address == NULL || strstr(p->address, "{token}") == NULL ||
	    strchr(p->address, '@') == NULL)
		missing = "address (a return path with {token}, such as "
		    "bounces+probe-{token}@lists.example.org)";
	else if (p->from == NULL)
		missing = "from";
	if (missing == NULL)
		return 1;
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
	    "%s: [probe] relay is set but not %s", c->file ? c->file :
	    "rebound.conf", missing);
	return 0;
}
