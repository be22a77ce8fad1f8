/*
 * probe.h: probes before a removal ([probe] of rebound.conf).
 *
 * A bounce is mail that anyone can send.  With a relay configured, an
 * address that a bounce would make dead becomes "probing" instead, and
 * reboundd mails it a probe whose return path carries a token that only
 * rebound can make: a MAC, under [probe] secret, of the address, the
 * probe's id and its time.  Only a bounce of that probe, to that token,
 * makes the address dead; no bounce within [probe] wait makes it alive
 * again.  This file is the pure part: the settings, the tokens, and
 * when a verdict is probed.  Sending is prober.c's, the rows store's.
 */
#ifndef REBOUND_PROBE_H
#define REBOUND_PROBE_H

#include <glib.h>

#include "report.h"

/* [probe] when: which verdicts that would make an address dead wait. */
enum probe_when {
	PROBE_NEVER,		/* none: dead at once, as without a relay */
	PROBE_DOUBTFUL,		/* those not of certain confidence */
	PROBE_ALWAYS		/* every one (the default with a relay) */
};

/* The [probe] group. */
struct probe_conf {
	char		*relay;		/* smtp://host:port, smtps://...; NULL: off */
	char		*user;		/* the relay's login, or NULL */
	char		*password;
	char		*address;	/* return path, with "{token}" */
	char		*secret;	/* the MAC's key */
	int		 when;		/* enum probe_when, as configured */
	char		*from;		/* From: of the probe */
	char		*subject;
	char		*template;	/* a file of the body, or NULL */
	int		 wait;		/* seconds a probe waits for a bounce */
	int		 max_per_hour;	/* probes sent in an hour, at most */
};

/*
 * How the fold of an address's history (policy_apply) sees the probes:
 * a hard bounce of a verified probe, and a probe's wait run out.
 */
#define PROBE_CLASS_BOUNCED	"probe-bounced"
#define PROBE_CLASS_EXPIRED	"probe-expired"

/* What a bounce to a probe's return path proves. */
enum probe_check {
	PROBE_VERIFIED,		/* its probe's, for its address */
	PROBE_FORGED_BAD,	/* not a token rebound made */
	PROBE_FORGED_OTHER,	/* a real token, of another address */
	PROBE_FORGED_EXPIRED,	/* a real token, its probe decided or gone */
};

void		 probe_defaults(struct probe_conf *);
void		 probe_conf_clear(struct probe_conf *);
const char	*probe_when_name(int when);
int		 probe_when_parse(const char *, int *when_r);
int		 probe_wanted(int when, enum confidence);

char		*probe_token(const char *secret, const char *address,
		    gint64 id, gint64 t);
int		 probe_token_parse(const char *token, gint64 *id_r,
		    gint64 *t_r);
int		 probe_token_verify(const char *secret, const char *token,
		    const char *address);
char		*probe_token_of(const char *pattern, const char *envelope);
char		*probe_return_path(const char *pattern, const char *token);
const char	*probe_check_name(enum probe_check);

#endif
