/*
 * hook_listmonk.c: kind = listmonk: its bounce webhook, as documented
 * at https://listmonk.app/docs/bounces/ ("Webhook API"):
 *   POST URL/webhooks/bounce, HTTP Basic with an API user's name and
 *   password (user, password), Content-Type: application/json,
 *   {"email": ADDRESS, "source": "rebound", "type": hard|soft|complaint,
 *    "meta": "<the event, as an escaped JSON string>"}
 * listmonk then applies its own bounce actions (Settings -> Bounces).
 * An event without an address (an incident's) is not for it: done.
 */
#include "config.h"

#include <string.h>

#include "hook_int.h"
#include "json.h"

/* listmonk's bounce type for an event type. */
static const char *
hook_listmonk_type(const char *type)
{
	if (strcmp(type, "address.complained") == 0)
		return "complaint";
	if (strcmp(type, "address.dead") == 0)
		return "hard";
	return "soft";
}

void
hook_listmonk(struct hook_job *j)
{
	g_autoptr(GString) body = g_string_new("{");
	g_autofree char *url = hook_url(j, "webhooks/bounce");

	if (j->address == NULL) {
		hook_finish(j, HOOK_DELIVERED, "no address: nothing to do");
		return;
	}
	json_member(body, "email", j->address);
	json_member(body, "source", "rebound");
	json_member(body, "type", hook_listmonk_type(j->type));
	json_member(body, "meta", j->json->str);
	g_string_append_c(body, '}');
	hook_request(j, "POST", url, "Content-Type: application/json",
	    body->str, NULL, NULL);
}
