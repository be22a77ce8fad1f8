/*
 * webhook_sns.c: is a post to an SES webhook from Amazon SNS, for a
 * topic of ours?  As "Verifying the signatures of Amazon SNS messages"
 * (SNS developer guide) says, before anything of it is read further:
 *
 *  - the TopicArn is one of topic_arn;
 *  - SigningCertURL is https, on a host of cert_hosts (by default
 *    sns.*.amazonaws.com, where '*' stands for one label: a region);
 *  - the certificate there, fetched over HTTPS (the system's CAs, or
 *    ca_file), is valid now and chains to the same CAs, or names an
 *    issuer that is not there (SNS serves its certificate without the
 *    intermediate: the verified fetch vouches for it then);
 *  - Signature is its RSA signature, SHA1withRSA for SignatureVersion 1
 *    and SHA256withRSA for 2, over the string webhook_sns_string_to_sign()
 *    builds.
 *
 * The fetch runs on the daemon's loop (http.c): no call blocks.  A
 * certificate is kept an hour once it verified; a URL that failed is
 * not fetched again for a minute, so that forged posts cannot make the
 * daemon hammer a host; posts that need the same certificate wait for
 * the one fetch.  A SubscriptionConfirmation, once verified, is confirmed
 * by fetching its SubscribeURL (same host rule) when confirm_subscription
 * is set.
 */
#include "config.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "http.h"
#include "webhook_int.h"

#define SNS_KEEP	3600	/* seconds a verified certificate is kept */
#define SNS_RETRY	60	/* seconds before a failed URL is tried again */
#define SNS_CERTS_MAX	64	/* certificates kept at most */
#define SNS_TIMEOUT	10	/* seconds for a fetch */

/* A certificate URL, fetched or being fetched. */
struct sns_cert {
	EVP_PKEY	*key;		/* NULL: failed, or not yet */
	gint64		 until;		/* monotonic seconds it is good for */
	int		 status;	/* the refusal if it failed */
	char		*why;
	GPtrArray	*waiting;	/* of struct sns_check *, or NULL */
};

/* One post waiting for its certificate. */
struct sns_check {
	struct webhook_sns_certs *sc;
	const struct conf_webhook *w;
	struct webhook_sns msg;
	char		*key;		/* its certificate's in sc->certs */
	webhook_sns_done_fn *done;
	void		*arg;
};

struct webhook_sns_certs {
	struct http	*http;
	GHashTable	*certs;		/* ca_file "\n" url -> sns_cert * */
	GHashTable	*fetching;	/* of char * (owned by certs): keys */
};

static void
sns_cert_free(struct sns_cert *c)
{
	EVP_PKEY_free(c->key);
	g_free(c->why);
	if (c->waiting != NULL)
		g_ptr_array_unref(c->waiting);
	g_free(c);
}

static void
sns_check_free(struct sns_check *k)
{
	webhook_sns_clear(&k->msg);
	g_free(k->key);
	g_free(k);
}

struct webhook_sns_certs *
webhook_sns_certs_new(struct event_base *base, GError **error)
{
	struct webhook_sns_certs *sc = g_new0(struct webhook_sns_certs, 1);

	if ((sc->http = http_new(base, error)) == NULL) {
		g_free(sc);
		return NULL;
	}
	sc->certs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)sns_cert_free);
	return sc;
}

/*
 * Whether a host's label may stand for '*': any but an S3 endpoint's.
 * S3 serves anyone's bucket at BUCKET.s3.amazonaws.com and, in older
 * regions, BUCKET.s3-REGION.amazonaws.com, so whoever owns a bucket
 * named "sns" could otherwise serve a certificate under
 * sns.*.amazonaws.com.  No AWS region's name begins with "s3".
 */
static int
sns_label_matches(const char *label)
{
	return label[0] != '\0' && g_ascii_strncasecmp(label, "s3", 2) != 0;
}

/* Whether host is pattern, where '*' stands for one label. */
static int
sns_host_matches(const char *pattern, const char *host)
{
	g_auto(GStrv) p = g_strsplit(pattern, ".", -1);
	g_auto(GStrv) h = g_strsplit(host, ".", -1);
	guint i;

	if (g_strv_length(p) != g_strv_length(h))
		return 0;
	for (i = 0; p[i] != NULL; i++) {
		if (strcmp(p[i], "*") == 0 ? !sns_label_matches(h[i]) :
		    g_ascii_strcasecmp(p[i], h[i]) != 0)
			return 0;
	}
	return 1;
}

int
webhook_sns_url_allowed(const struct conf_webhook *w, const char *url,
    char **why_r)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	const char *host;
	guint i;

	if (uri == NULL || g_ascii_strcasecmp(g_uri_get_scheme(uri),
	    "https") != 0 || g_uri_get_userinfo(uri) != NULL ||
	    (host = g_uri_get_host(uri)) == NULL) {
		*why_r = g_strdup_printf("%.200s is not an https URL", url);
		return 0;
	}
	for (i = 0; w->cert_hosts[i] != NULL; i++)
		if (sns_host_matches(w->cert_hosts[i], host))
			return 1;
	*why_r = g_strdup_printf("%.200s is not on a host of cert_hosts", url);
	return 0;
}

static int
sns_topic_allowed(const struct conf_webhook *w, const char *arn)
{
	return g_strv_contains((const char *const *)w->topic_arns, arn);
}

/* Whether the message's signature is key's, as its version says. */
static int
sns_signature_ok(EVP_PKEY *key, const struct webhook_sns *m)
{
	g_autofree char *text = webhook_sns_string_to_sign(m);
	g_autofree guchar *sig = NULL;
	EVP_MD_CTX *ctx;
	gsize siglen = 0;
	int ok = 0;

	sig = g_base64_decode(m->signature, &siglen);
	if (text == NULL || siglen == 0 || (ctx = EVP_MD_CTX_new()) == NULL)
		return 0;
	if (EVP_DigestVerifyInit(ctx, NULL, strcmp(m->signature_version,
	    "1") == 0 ? EVP_sha1() : EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestVerifyUpdate(ctx, text, strlen(text)) == 1)
		ok = EVP_DigestVerifyFinal(ctx, sig, siglen) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

static void
sns_finish(struct sns_check *k, EVP_PKEY *key, enum webhook_refusal r,
    const char *why)
{
	g_autofree char *sigwhy = NULL;

	if (key != NULL)
		r = WEBHOOK_OK;
	if (key != NULL && !sns_signature_ok(key, &k->msg)) {
		r = WEBHOOK_SIGNATURE;
		why = sigwhy = g_strdup_printf("SNS message %.80s: the signature "
		    "does not verify with the certificate of %.200s",
		    k->msg.message_id, k->msg.signing_cert_url);
	}
	k->done(r, why, &k->msg, k->arg);
	sns_check_free(k);
}

/*
 * Whether cert may be taken though its chain did not verify: SNS serves
 * its certificate without the intermediate that issued it, which no
 * system store holds, so a missing issuer is no refusal (the verified
 * HTTPS fetch from cert_hosts vouches for it), if cert is valid now.
 */
static int
sns_issuer_missing(X509_STORE_CTX *ctx, X509 *cert)
{
	int err = X509_STORE_CTX_get_error(ctx);

	return (err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	    err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT) &&
	    X509_cmp_current_time(X509_get0_notBefore(cert)) < 0 &&
	    X509_cmp_current_time(X509_get0_notAfter(cert)) > 0;
}

/* The PEM's first certificate, verified against the CAs; its key. */
static EVP_PKEY *
sns_cert_key(const char *pem, size_t len, const char *ca_file, char **why_r)
{
	BIO *bio = BIO_new_mem_buf(pem, (int)MIN(len, G_MAXINT));
	STACK_OF(X509) *chain = sk_X509_new_null();
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL), *more;
	EVP_PKEY *key = NULL;

	while ((more = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(chain, more);
	if (cert == NULL)
		*why_r = g_strdup("no PEM certificate");
	else if ((ca_file != NULL ? X509_STORE_load_file(store, ca_file) :
	    X509_STORE_set_default_paths(store)) != 1 ||
	    X509_STORE_CTX_init(ctx, store, cert, chain) != 1)
		*why_r = g_strdup("cannot load the CA certificates");
	else if (X509_verify_cert(ctx) != 1 && !sns_issuer_missing(ctx, cert))
		*why_r = g_strdup_printf("the certificate does not verify: %s",
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	else
		key = X509_get_pubkey(cert);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
	BIO_free(bio);
	ERR_clear_error();
	return key;
}

static void
sns_fetched(const struct http_response *res, void *arg)
{
	struct webhook_sns_certs *sc = ((struct sns_check *)arg)->sc;
	g_autofree char *key = g_strdup(((struct sns_check *)arg)->key);
	const char *ca = ((struct sns_check *)arg)->w->ca_file;
	struct sns_cert *c = g_hash_table_lookup(sc->certs, key);
	g_autoptr(GPtrArray) waiting = g_steal_pointer(&c->waiting);
	gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;
	guint i;

	if (res->status == 200)
		c->key = sns_cert_key(res->body, res->len, ca, &c->why);
	else
		c->why = res->status == 0 ? g_strdup(res->error) :
		    g_strdup_printf("HTTP status %ld", res->status);
	/* No answer, or the host's fault: SNS sends it again later. */
	c->status = res->status == 0 || res->status >= 500 ?
	    WEBHOOK_UNAVAILABLE : WEBHOOK_SIGNATURE;
	c->until = now + (c->key != NULL ? SNS_KEEP : SNS_RETRY);
	for (i = 0; i < waiting->len; i++) {
		struct sns_check *k = waiting->pdata[i];
		g_autofree char *why = c->key != NULL ? NULL :
		    g_strdup_printf("SNS message %.80s: certificate %.200s: %s",
		    k->msg.message_id, k->msg.signing_cert_url, c->why);

		sns_finish(k, c->key, (enum webhook_refusal)c->status, why);
	}
}

/* Room for one more certificate: the stale go, else any one. */
static void
sns_make_room(struct webhook_sns_certs *sc, gint64 now)
{
	GHashTableIter it;
	gpointer key, value;

	g_hash_table_iter_init(&it, sc->certs);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		struct sns_cert *c = value;

		if (c->waiting == NULL && (c->until < now ||
		    g_hash_table_size(sc->certs) >= SNS_CERTS_MAX))
			g_hash_table_iter_remove(&it);
	}
}

/* k's certificate, from the cache or fetched (k waits for it). */
static void
sns_get_cert(struct webhook_sns_certs *sc, struct sns_check *k)
{
	gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;
	struct sns_cert *c = g_hash_table_lookup(sc->certs, k->key);
	g_autofree char *why = NULL;
	struct http_request rq = { 0 };

	if (c != NULL && c->waiting != NULL) {
		g_ptr_array_add(c->waiting, k);
		return;
	}
	if (c != NULL && c->until >= now) {
		if (c->key == NULL)
			why = g_strdup_printf("SNS message %.80s: certificate "
			    "%.200s: %s (not tried again for %d s)",
			    k->msg.message_id, k->msg.signing_cert_url, c->why,
			    SNS_RETRY);
		sns_finish(k, c->key, (enum webhook_refusal)c->status, why);
		return;
	}
	sns_make_room(sc, now);
	c = g_new0(struct sns_cert, 1);
	c->waiting = g_ptr_array_new();
	g_ptr_array_add(c->waiting, k);
	g_hash_table_replace(sc->certs, g_strdup(k->key), c);
	rq.method = "GET";
	rq.url = k->msg.signing_cert_url;
	rq.connect_timeout = SNS_TIMEOUT;
	rq.timeout = SNS_TIMEOUT;
	rq.https_only = 1;
	rq.ca_file = k->w->ca_file;
	http_send(sc->http, &rq, sns_fetched, k);
}

/* What can be refused before any fetch: the envelope, topic, URL. */
static enum webhook_refusal
sns_precheck(const struct conf_webhook *w, const char *body, size_t len,
    int raw, struct webhook_sns *m, char **why_r)
{
	g_autoptr(GError) error = NULL;

	if (raw || !webhook_sns_read(body, len, m, &error)) {
		if (raw || error->code == WEBHOOK_PARSE_RAW) {
			*why_r = g_strdup("raw message delivery: SES's JSON "
			    "without SNS's signed envelope; turn off "
			    "RawMessageDelivery on the subscription");
			return WEBHOOK_RAW;
		}
		*why_r = g_strdup(error->message);
		return WEBHOOK_MALFORMED;
	}
	if (!sns_topic_allowed(w, m->topic_arn)) {
		*why_r = g_strdup_printf("topic %.200s is not in topic_arn",
		    m->topic_arn);
		return WEBHOOK_TOPIC;
	}
	if (strcmp(m->signature_version, "1") != 0 &&
	    strcmp(m->signature_version, "2") != 0) {
		*why_r = g_strdup_printf("SignatureVersion %.20s is neither 1 "
		    "nor 2", m->signature_version);
		return WEBHOOK_SIGNATURE;
	}
	if (!webhook_sns_url_allowed(w, m->signing_cert_url, why_r))
		return WEBHOOK_CERT_URL;
	return WEBHOOK_OK;
}

void
webhook_sns_verify(struct webhook_sns_certs *sc, const struct conf_webhook *w,
    const char *body, size_t len, int raw, webhook_sns_done_fn *done,
    void *arg)
{
	struct sns_check *k = g_new0(struct sns_check, 1);
	g_autofree char *why = NULL;
	enum webhook_refusal r;

	k->sc = sc;
	k->w = w;
	k->done = done;
	k->arg = arg;
	if ((r = sns_precheck(w, body, len, raw, &k->msg, &why)) !=
	    WEBHOOK_OK) {
		sns_finish(k, NULL, r, why);
		return;
	}
	k->key = g_strdup_printf("%s\n%s", w->ca_file ? w->ca_file : "",
	    k->msg.signing_cert_url);
	sns_get_cert(sc, k);
}

/* The SubscribeURL's answer, for the log. */
static void
sns_confirmed(const struct http_response *res, void *arg)
{
	g_autofree char *what = arg;

	if (res->status == 200)
		g_info("%s: subscription confirmed", what);
	else
		g_warning("%s: confirming the subscription failed: %s", what,
		    res->status == 0 ? res->error : "HTTP status not 200");
}

void
webhook_sns_confirm(struct webhook_sns_certs *sc, const struct conf_webhook *w,
    const struct webhook_sns *m)
{
	struct http_request rq = { 0 };
	g_autofree char *why = NULL;

	if (!w->confirm_subscription) {
		g_warning("webhook %s: SNS asks to confirm a subscription to "
		    "%s; confirm_subscription = no: to confirm it, visit %s",
		    w->name, m->topic_arn, m->subscribe_url);
		return;
	}
	if (!webhook_sns_url_allowed(w, m->subscribe_url, &why)) {
		g_warning("webhook %s: not confirming the subscription to %s: "
		    "SubscribeURL %s", w->name, m->topic_arn, why);
		return;
	}
	g_info("webhook %s: confirming the subscription to %s", w->name,
	    m->topic_arn);
	rq.method = "GET";
	rq.url = m->subscribe_url;
	rq.connect_timeout = SNS_TIMEOUT;
	rq.timeout = SNS_TIMEOUT;
	rq.https_only = 1;
	rq.ca_file = w->ca_file;
	http_send(sc->http, &rq, sns_confirmed, g_strdup_printf("webhook %s: "
	    "topic %s", w->name, m->topic_arn));
}

void
webhook_sns_certs_free(struct webhook_sns_certs **scp)
{
	struct webhook_sns_certs *sc = *scp;
	GHashTableIter it;
	gpointer value;
	guint i;

	if (sc == NULL)
		return;
	/* The fetches end unheard; the posts waiting for them get 503. */
	http_free(&sc->http);
	g_hash_table_iter_init(&it, sc->certs);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		GPtrArray *waiting = ((struct sns_cert *)value)->waiting;

		for (i = 0; waiting != NULL && i < waiting->len; i++)
			sns_finish(waiting->pdata[i], NULL, WEBHOOK_UNAVAILABLE,
			    "reboundd is stopping");
	}
	g_hash_table_destroy(sc->certs);
	g_free(sc);
	*scp = NULL;
}
