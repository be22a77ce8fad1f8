/*
 * webhook_auth.c: is a post from the service it claims, and new?
 *
 * Mailgun ("Securing Webhooks" in its documentation): the body's
 * "signature" object holds a timestamp, a random token and the hex
 * HMAC-SHA256 of timestamp and token concatenated, keyed with the
 * account's webhook signing key.  A post is taken when the HMAC matches
 * (compared in constant time), the timestamp is within max_age of our
 * clock, and the token has not been used within that time (a copy of a
 * captured post is refused).  GLib's GHmac is enough here.
 *
 * Postmark and SparkPost sign nothing: its webhook URL carries HTTP Basic
 * credentials (https://user:password@host/path), compared here in
 * constant time with the configured user and password.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "webhook_int.h"

#define WEBHOOK_REPLAY_PRUNE	4096	/* look for expired tokens this often */

struct webhook_replay {
	GHashTable	*tokens;	/* token -> gint64 *: forget after */
	guint		 added;
};

struct webhook_replay *
webhook_replay_new(void)
{
	struct webhook_replay *r = g_new0(struct webhook_replay, 1);

	r->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	return r;
}

void
webhook_replay_free(struct webhook_replay **rp)
{
	if (*rp == NULL)
		return;
	g_hash_table_destroy((*rp)->tokens);
	g_clear_pointer(rp, g_free);
}

void
webhook_replay_forget(struct webhook_replay *r, const char *token)
{
	g_hash_table_remove(r->tokens, token);
}

/* A token past its time could not pass the age check again: drop it. */
static gboolean
webhook_replay_expired(gpointer key, gpointer value, gpointer now)
{
	return *(gint64 *)value < *(gint64 *)now;
}

/* Whether token is new (then it is kept until until). */
static int
webhook_replay_add(struct webhook_replay *r, const char *token, gint64 now,
    gint64 until)
{
	if (g_hash_table_contains(r->tokens, token))
		return 0;
	if (++r->added % WEBHOOK_REPLAY_PRUNE == 0)
		g_hash_table_foreach_remove(r->tokens, webhook_replay_expired,
		    &now);
	g_hash_table_insert(r->tokens, g_strdup(token),
	    g_memdup2(&until, sizeof until));
	return 1;
}

/* Equal strings, in a time that does not depend on where they differ. */
static int
webhook_equal(const char *a, const char *b)
{
	size_t i, la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

static enum webhook_refusal
webhook_auth_mailgun(const struct conf_webhook *w, struct webhook_replay *r,
    const char *body, size_t len, gint64 now, char **token_r, char **why_r)
{
	struct webhook_mailgun_sig sig;
	g_autoptr(GError) error = NULL;
	g_autoptr(GHmac) hmac = NULL;
	g_autofree char *lower = NULL;
	enum webhook_refusal res = WEBHOOK_OK;
	char *end;
	gint64 ts;

	if (!webhook_mailgun_signature(body, len, &sig, &error)) {
		*why_r = g_strdup(error->message);
		return WEBHOOK_MALFORMED;
	}
	hmac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)w->signing_key,
	    strlen(w->signing_key));
	g_hmac_update(hmac, (const guchar *)sig.timestamp, -1);
	g_hmac_update(hmac, (const guchar *)sig.token, -1);
	lower = g_ascii_strdown(sig.signature, -1);
	ts = g_ascii_strtoll(sig.timestamp, &end, 10);
	if (!webhook_equal(g_hmac_get_string(hmac), lower)) {
		res = WEBHOOK_SIGNATURE;
		*why_r = g_strdup("signature does not match signing_key");
	} else if (end == sig.timestamp || *end != '\0' ||
	    ABS(now - ts) > w->max_age) {
		res = WEBHOOK_EXPIRED;
		*why_r = g_strdup_printf("timestamp %s is over max_age %d s "
		    "from now", sig.timestamp, w->max_age);
	} else if (!webhook_replay_add(r, sig.token, now, ts + w->max_age)) {
		res = WEBHOOK_REPLAYED;
		*why_r = g_strdup_printf("token %.16s... already used", sig.token);
	} else
		*token_r = g_steal_pointer(&sig.token);
	webhook_mailgun_sig_clear(&sig);
	return res;
}

/* "Basic base64(user:password)", as the configured pair. */
static enum webhook_refusal
webhook_auth_basic(const struct conf_webhook *w, const char *authorization,
    char **why_r)
{
	g_autofree char *want = g_strdup_printf("%s:%s", w->user, w->password);
	g_autofree guchar *got = NULL;
	g_autofree char *text = NULL;
	gsize len = 0;

	if (authorization == NULL ||
	    g_ascii_strncasecmp(authorization, "Basic ", 6) != 0) {
		*why_r = g_strdup("no HTTP Basic credentials");
		return WEBHOOK_CREDENTIALS;
	}
	got = g_base64_decode(authorization + 6, &len);
	text = g_strndup((const char *)got, len);
	if (!webhook_equal(text, want)) {
		*why_r = g_strdup("wrong user or password");
		return WEBHOOK_CREDENTIALS;
	}
	return WEBHOOK_OK;
}

enum webhook_refusal
webhook_auth(const struct conf_webhook *w, struct webhook_replay *r,
    const char *authorization, const char *body, size_t len, gint64 now,
    char **token_r, char **why_r)
{
	*token_r = NULL;
	*why_r = NULL;
	switch (w->kind) {
	case WEBHOOK_MAILGUN:
		return webhook_auth_mailgun(w, r, body, len, now, token_r,
		    why_r);
	case WEBHOOK_POSTMARK:
	case WEBHOOK_SPARKPOST:
		return webhook_auth_basic(w, authorization, why_r);
	}
	*why_r = g_strdup("unknown kind");
	return WEBHOOK_MALFORMED;
}
