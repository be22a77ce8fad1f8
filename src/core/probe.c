/*
 * probe.c: the pure part of probes (probe.h): the [probe] settings'
 * names, when a verdict waits for a probe, and the tokens.
 *
 * A token is "ID-TIME-MAC": the probe's id in decimal, the time it was
 * made in hex seconds, and the first PROBE_MAC_BYTES of HMAC-SHA256
 * under [probe] secret of the id, the time and the address (its ASCII
 * letters lowered: the token must name the address however a DSN
 * spells its case), in hex.  It fits a local part with room to spare
 * (bounces+probe-ID-TIME-MAC, at most 64 octets: RFC 5321 4.5.3.1.1),
 * uses only letters, digits and '-', which no MTA rewrites, and cannot
 * be made without the secret: a forged bounce to a made-up token, or to
 * a token of another address, fails probe_token_verify().  Whether a
 * real token's probe still waits is the database's to say.
 *
 * when = doubtful probes only a verdict that is not certain: soft
 * bounces counted up to the threshold, a suspect confirmed by a second
 * hard bounce, a likely or weak hard bounce taken at once
 * (confirm_hard = none).  A certain hard bounce, the remote server's own
 * 5.1.x in words that agree, is still dead at once: that is exactly
 * what a forger writes, so doubtful saves probes, not members.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "vocab.h"

#define PROBE_MAC_BYTES	10	/* 80 bits: 20 hex digits */
#define PROBE_TOKEN_VAR	"{token}"

static const char *const probe_when_names[] = {
	[PROBE_NEVER] = "never",
	[PROBE_DOUBTFUL] = "doubtful",
	[PROBE_ALWAYS] = "always",
};

static const char *const probe_check_names[] = {
	[PROBE_VERIFIED] = "verified",
	[PROBE_FORGED_BAD] = "not a token rebound made",
	[PROBE_FORGED_OTHER] = "the token of another address",
	[PROBE_FORGED_EXPIRED] = "the token of a probe no longer waiting",
};

void
probe_defaults(struct probe_conf *p)
{
	memset(p, 0, sizeof *p);
	p->when = PROBE_ALWAYS;
	p->subject = g_strdup("Checking your subscription");
	p->wait = 3 * 86400;
	p->max_per_hour = 100;
}

void
probe_conf_clear(struct probe_conf *p)
{
	g_free(p->relay);
	g_free(p->user);
	g_free(p->password);
	g_free(p->address);
	g_free(p->secret);
	g_free(p->from);
	g_free(p->subject);
	g_free(p->template);
	memset(p, 0, sizeof *p);
}

const char *
probe_when_name(int when)
{
	g_return_val_if_fail(when >= 0 &&
	    (size_t)when < G_N_ELEMENTS(probe_when_names), "never");
	return probe_when_names[when];
}

int
probe_when_parse(const char *name, int *when_r)
{
	int i = vocab_find(probe_when_names, G_N_ELEMENTS(probe_when_names),
	    name);

	if (i < 0)
		return 0;
	*when_r = i;
	return 1;
}

const char *
probe_check_name(enum probe_check c)
{
	return probe_check_names[c];
}

/* Whether a verdict of confidence c that makes an address dead waits. */
int
probe_wanted(int when, enum confidence c)
{
	return when == PROBE_ALWAYS ||
	    (when == PROBE_DOUBTFUL && c != CONFIDENCE_CERTAIN);
}

/* The MAC of (address, id, t) in hex, PROBE_MAC_BYTES of it. */
static char *
probe_mac(const char *secret, const char *address, gint64 id, gint64 t)
{
	g_autofree char *lower = g_ascii_strdown(address, -1);
	g_autofree char *text = g_strdup_printf("rebound-probe\n%"
	    G_GINT64_FORMAT "\n%" G_GINT64_FORMAT "\n%s", id, t, lower);
	g_autofree char *hex = g_compute_hmac_for_string(G_CHECKSUM_SHA256,
	    (const guchar *)secret, strlen(secret), text, -1);

	return g_strndup(hex, PROBE_MAC_BYTES * 2);
}

char *
probe_token(const char *secret, const char *address, gint64 id, gint64 t)
{
	g_autofree char *mac = probe_mac(secret, address, id, t);

	return g_strdup_printf("%" G_GINT64_FORMAT "-%" G_GINT64_MODIFIER
	    "x-%s", id, t, mac);
}

/* A run of digits (base 10 or 16) ending at sep: its value, or -1. */
static gint64
probe_number(const char **sp, int base, char sep)
{
	const char *s = *sp;
	char *end;
	gint64 n;

	if (!g_ascii_isxdigit(*s) || (base == 10 && !g_ascii_isdigit(*s)))
		return -1;
	n = g_ascii_strtoll(s, &end, base);
	if (*end != sep || end - s > 16 || n < 0)
		return -1;
	*sp = end + 1;
	return n;
}

/* The id and time a well-formed token names; 0 if it is not one. */
int
probe_token_parse(const char *token, gint64 *id_r, gint64 *t_r)
{
	const char *s = token;
	size_t i;

	if ((*id_r = probe_number(&s, 10, '-')) < 0 ||
	    (*t_r = probe_number(&s, 16, '-')) < 0 ||
	    strlen(s) != PROBE_MAC_BYTES * 2)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!g_ascii_isxdigit(s[i]))
			return 0;
	return 1;
}

/* Whether token is the one rebound made for address; in constant time. */
int
probe_token_verify(const char *secret, const char *token, const char *address)
{
	g_autofree char *mac = NULL;
	const char *given;
	gint64 id, t;
	unsigned diff = 0;
	size_t i;

	if (secret == NULL || address == NULL ||
	    !probe_token_parse(token, &id, &t))
		return 0;
	given = strrchr(token, '-') + 1;
	mac = probe_mac(secret, address, id, t);
	for (i = 0; i < PROBE_MAC_BYTES * 2; i++)
		diff |= (unsigned)(g_ascii_tolower(given[i]) ^ mac[i]);
	return diff == 0;
}

/*
 * The token in envelope if it is a probe's return path as pattern
 * writes it ("bounces+probe-{token}@lists.example.org"), compared
 * without case, lowered; else NULL.
 */
char *
probe_token_of(const char *pattern, const char *envelope)
{
	const char *var, *suffix;
	size_t plen, slen, elen;

	if (pattern == NULL || envelope == NULL ||
	    (var = strstr(pattern, PROBE_TOKEN_VAR)) == NULL)
		return NULL;
	plen = var - pattern;
	suffix = var + strlen(PROBE_TOKEN_VAR);
	slen = strlen(suffix);
	elen = strlen(envelope);
	if (elen <= plen + slen ||
	    g_ascii_strncasecmp(envelope, pattern, plen) != 0 ||
	    g_ascii_strcasecmp(envelope + elen - slen, suffix) != 0)
		return NULL;
	return g_ascii_strdown(envelope + plen, (gssize)(elen - plen - slen));
}

/* The probe's return path: pattern with its token. */
char *
probe_return_path(const char *pattern, const char *token)
{
	const char *var = strstr(pattern, PROBE_TOKEN_VAR);

	if (var == NULL)
		return g_strdup(pattern);
	return g_strdup_printf("%.*s%s%s", (int)(var - pattern), pattern,
	    token, var + strlen(PROBE_TOKEN_VAR));
}
