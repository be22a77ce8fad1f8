/*
 * hook_listmonk.c: kind = listmonk: its bounce webhook, as documented
 * at https://listmonk.app/docs/bounces/ ("Webhook API"):
 *   POST URL/webhooks/bounce, HTTP Basic with an API user's name and
 *   password (user, password), Content-Type: application/json,
 *   {"email": ADDRESS, "source": "rebound", "type": hard|soft|complaint,
 *    "meta": "<the event, as an escaped JSON string>"}
 * listmonk then applies its own bounce actions (Settings -> Bounces),
 * so every bounce posted is an action (max_actions_per_hour).  It gets
 * address.dead (hard) and address.complained (complaint) only
 * (conf_hook.c refuses other types; hook_acts() makes sure): a suspect
 * address, or one an incident holds, is never posted.
 */
#include "config.h"

#include "hook_int.h"
#include "json.h"
#include "revent.h"

/* listmonk's bounce type for an event type hook_acts() on. */
static const char *
hook_listmonk_type(enum revent_type type)
{
	return type == REVENT_ADDRESS_COMPLAINED ? "complaint" : "hard";
}

static void
hook_listmonk(struct hook_job *j)
{
	g_autoptr(GString) body = g_string_new("{");
	g_autofree char *url = hook_url(j, "webhooks/bounce");

	if (!hook_acts(j)) {
		hook_finish(j, HOOK_DELIVERED, "no address.dead or "
		    "address.complained: nothing to do");
		return;
	}
	j->action = 1;
	json_member(body, "email", j->address);
	json_member(body, "source", "rebound");
	json_member(body, "type", hook_listmonk_type(j->revent_type));
	json_member(body, "meta", j->json->str);
	g_string_append_c(body, '}');
	hook_request(j, "POST", url, "Content-Type: application/json",
	    body->str, NULL, NULL);
}

const struct hook_backend hook_listmonk_backend = {
	.kind = CONF_HOOK_LISTMONK, .deliver = hook_listmonk,
};
