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
 * SendGrid (its "Getting Started with the Event Webhook Security
 * Features"): the headers X-Twilio-Email-Event-Webhook-Signature (base64
 * DER of an ECDSA P-256 signature with SHA-256) and -Timestamp; the
 * signature covers the timestamp followed by the raw body, checked with
 * the account's verification key (base64 DER, or PEM) through OpenSSL's
 * libcrypto; the timestamp must be within max_age.
 *
 * Postmark and SparkPost sign nothing: its webhook URL carries HTTP Basic
 * credentials (https://user:password@host/path), compared here in
 * constant time with the configured user and password.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

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

/* The configured key: PEM, or the base64 DER SendGrid's console shows. */
static EVP_PKEY *
webhook_public_key(const char *text)
{
	EVP_PKEY *key = NULL;
	g_autofree guchar *der = NULL;
	const unsigned char *p;
	gsize len;
	BIO *bio;

	if (g_str_has_prefix(text, "-----BEGIN")) {
		bio = BIO_new_mem_buf(text, -1);
		if (bio != NULL)
			key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		return key;
	}
	der = g_base64_decode(text, &len);
	p = der;
	return len > 0 ? d2i_PUBKEY(NULL, &p, (long)len) : NULL;
}

/* Whether sig (base64 DER) is key's ECDSA SHA-256 over ts then body. */
static int
webhook_ecdsa_ok(const char *keytext, const char *sig64, const char *ts,
    const char *body, size_t len)
{
	EVP_PKEY *key = webhook_public_key(keytext);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	g_autofree guchar *sig = NULL;
	gsize siglen = 0;
	int ok = 0;

	sig = g_base64_decode(sig64, &siglen);
	if (key != NULL && ctx != NULL && siglen > 0 &&
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestVerifyUpdate(ctx, ts, strlen(ts)) == 1 &&
	    EVP_DigestVerifyUpdate(ctx, body, len) == 1)
		ok = EVP_DigestVerifyFinal(ctx, sig, siglen) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

static enum webhook_refusal
webhook_auth_sendgrid(const struct conf_webhook *w,
    const struct webhook_headers *h, const char *body, size_t len,
    gint64 now, char **why_r)
{
	char *end;
	gint64 ts;

	if (h->signature == NULL || h->timestamp == NULL) {
		*why_r = g_strdup("no X-Twilio-Email-Event-Webhook-Signature "
		    "and -Timestamp");
		return WEBHOOK_SIGNATURE;
	}
	if (!webhook_ecdsa_ok(w->public_key, h->signature, h->timestamp, body,
	    len)) {
		*why_r = g_strdup("signature does not verify with public_key");
		return WEBHOOK_SIGNATURE;
	}
	ts = g_ascii_strtoll(h->timestamp, &end, 10);
	if (end == h->timestamp || *end != '\0' || ABS(now - ts) > w->max_age) {
		*why_r = g_strdup_printf("timestamp %s is over max_age %d s "
		    "from now", h->timestamp, w->max_age);
		return WEBHOOK_EXPIRED;
	}
	return WEBHOOK_OK;
}

enum webhook_refusal
webhook_auth(const struct conf_webhook *w, struct webhook_replay *r,
    const struct webhook_headers *h, const char *body, size_t len,
    gint64 now, char **token_r, char **why_r)
{
	*token_r = NULL;
	*why_r = NULL;
	switch (w->kind) {
	case WEBHOOK_MAILGUN:
		return webhook_auth_mailgun(w, r, body, len, now, token_r,
		    why_r);
	case WEBHOOK_POSTMARK:
	case WEBHOOK_SPARKPOST:
		return webhook_auth_basic(w, h->authorization, why_r);
	case WEBHOOK_SENDGRID:
		return webhook_auth_sendgrid(w, h, body, len, now, why_r);
	case WEBHOOK_SES:	/* a certificate to fetch: webhook_sns.c */
		break;
	}
	*why_r = g_strdup("unknown kind");
	return WEBHOOK_MALFORMED;
}
