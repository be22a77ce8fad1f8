/*
 * hook_webhook.c: kind = webhook: POST one event as JSON (revent_json(),
 * "version": 1), signed so that the receiver can tell it came from us
 * and is fresh:
 *   Rebound-Event: ID
 *   Rebound-Timestamp: UNIX-SECONDS
 *   Rebound-Signature: sha256=HEX
 * where HEX is HMAC-SHA256(secret, timestamp "." body) in lower case.
 * A receiver checks the signature and the timestamp, and uses the
 * event id to ignore one it has seen (delivery is at least once).
 * contrib/webhook-receiver.py is one.  An address.dead or
 * address.complained delivered is an action (max_actions_per_hour):
 * what a receiver would remove a subscriber for.
 */
#include "config.h"

#include <string.h>

#include "hook_int.h"

/* HMAC-SHA256(secret, timestamp "." body), in hex. */
static char *
hook_webhook_sign(const char *secret, const char *timestamp, const GString *body)
{
	GHmac *mac = g_hmac_new(G_CHECKSUM_SHA256, (const guchar *)secret,
	    strlen(secret));
	char *hex;

	g_hmac_update(mac, (const guchar *)timestamp, -1);
	g_hmac_update(mac, (const guchar *)".", 1);
	g_hmac_update(mac, (const guchar *)body->str, (gssize)body->len);
	hex = g_strdup(g_hmac_get_string(mac));
	g_hmac_unref(mac);
	return hex;
}

static void
hook_webhook(struct hook_job *j)
{
	g_autofree char *ts = g_strdup_printf("%" G_GINT64_FORMAT,
	    g_get_real_time() / G_USEC_PER_SEC);
	g_autofree char *mac = hook_webhook_sign(j->conf->secret, ts, j->json);
	g_autofree char *id = g_strdup_printf("Rebound-Event: %" G_GINT64_FORMAT,
	    j->event);
	g_autofree char *stamp = g_strdup_printf("Rebound-Timestamp: %s", ts);
	g_autofree char *sig = g_strdup_printf("Rebound-Signature: sha256=%s",
	    mac);
	const char *headers[] = { id, stamp, sig, NULL };

	j->action = hook_acts(j);

	hook_request(j, "POST", j->conf->url, "Content-Type: application/json",
	    j->json->str, headers, NULL);
}

const struct hook_backend hook_webhook_backend = {
	.kind = CONF_HOOK_WEBHOOK, .deliver = hook_webhook,
};
