/*
 * hook_mailman3.c: kind = mailman3: Mailman 3's REST API (url is its
 * root, such as http://127.0.0.1:8001/3.1; HTTP Basic with its
 * admin_user and admin_pass).  For an event with an address and a list
 * (its list id, "news.lists.example.org", which is Mailman's list_id:
 * the List-Id it writes, or NAME.DOMAIN of its NAME-bounces@DOMAIN):
 *   GET lists/L
 *     404: Mailman has no such list, done (logged); else its list_id;
 *   GET members/find?list_id=L&subscriber=A&role=member
 *     200, "total_size": 0 and no entries: not a member, done (logged);
 *     else the member's member_id;
 *   action = remove:  DELETE members/ID with pre_approved=true (without
 *     it, a list whose unsubscription is moderated answers 202 and
 *     keeps the member): 204 done, 404 already gone: done;
 *   action = disable: PATCH members/ID/preferences
 *     delivery_status=by_bounces: 204 done.
 * It acts on address.dead and address.complained only (conf_hook.c
 * refuses other types; hook_acts() makes sure): a suspect address, or
 * one an incident holds, is never touched.  A member removed or
 * disabled is an action (max_actions_per_hour); a member already gone
 * or not found is not.  ../shared/recipes/mailman3.md has the answers
 * this follows.  Its answers are read with json-glib: a display name
 * that says "member_id", an escaped character or a nested object of
 * the same name cannot be mistaken for the field.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "hook_int.h"
#include "log.h"

/* The top object of a JSON answer, or NULL (logged by the caller). */
static JsonParser *
hook_mailman3_load(const char *body, gsize len, JsonObject **top)
{
	JsonParser *p = json_parser_new_immutable();
	JsonNode *root;

	if (body == NULL || len > G_MAXSSIZE ||
	    !json_parser_load_from_data(p, body, (gssize)len, NULL) ||
	    (root = json_parser_get_root(p)) == NULL ||
	    !JSON_NODE_HOLDS_OBJECT(root)) {
		g_object_unref(p);
		return NULL;
	}
	*top = json_node_get_object(root);
	return p;
}

/*
 * A member of o that is a string (or, as API 3.0 gives member_id, an
 * integer), as a new string, or NULL.
 */
static char *
hook_mailman3_string(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return NULL;
	if (json_node_get_value_type(n) == G_TYPE_STRING)
		return g_strdup(json_node_get_string(n));
	if (json_node_get_value_type(n) == G_TYPE_INT64)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
	return NULL;
}

/*
 * The member_id of the first of "entries" in a members/find answer
 * ({"total_size": 1, "entries": [{..., "member_id": "..."}]}), or NULL:
 * no entries (not a member), or not Mailman's JSON.
 */
char *
hook_mailman3_member_id(const char *body, gsize len)
{
	g_autoptr(JsonParser) p = NULL;
	JsonObject *top;
	JsonArray *entries;
	JsonNode *n, *first;

	if ((p = hook_mailman3_load(body, len, &top)) == NULL ||
	    (n = json_object_get_member(top, "entries")) == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(n))
		return NULL;
	entries = json_node_get_array(n);
	if (json_array_get_length(entries) == 0 ||
	    !JSON_NODE_HOLDS_OBJECT(first = json_array_get_element(entries, 0)))
		return NULL;
	return hook_mailman3_string(json_node_get_object(first), "member_id");
}

/* The list_id of a lists/L answer (its top object), or NULL. */
char *
hook_mailman3_list_id(const char *body, gsize len)
{
	g_autoptr(JsonParser) p = NULL;
	JsonObject *top;

	if ((p = hook_mailman3_load(body, len, &top)) == NULL)
		return NULL;
	return hook_mailman3_string(top, "list_id");
}

/* DELETE or PATCH answered. */
static void
hook_mailman3_acted(const struct http_response *r, void *arg)
{
	struct hook_job *j = arg;
	const char *did = j->conf->action == CONF_HOOK_REMOVE ? "removed" :
	    "disabled (by_bounces)";
	g_autofree char *why = NULL;

	if (r->status == 404 && j->conf->action == CONF_HOOK_REMOVE) {
		j->action = 0;
		hook_finish(j, HOOK_DELIVERED, "member already gone");
		return;
	}
	if (r->status == 202) {
		hook_finish(j, HOOK_FAILED, "Mailman held the unsubscription "
		    "for moderation (HTTP 202): not removed");
		return;
	}
	if (!hook_answer(j, r, j->conf->action == CONF_HOOK_REMOVE ?
	    "DELETE member" : "PATCH preferences"))
		return;
	why = g_strdup_printf("%s from %s", did, j->list);
	hook_finish(j, HOOK_DELIVERED, why);
}

/* members/find answered: act on the member, or done if there is none. */
static void
hook_mailman3_found(const struct http_response *r, void *arg)
{
	struct hook_job *j = arg;
	g_autofree char *id = NULL, *url = NULL, *path = NULL, *seg = NULL;

	if (!hook_answer(j, r, "members/find"))
		return;
	if ((id = hook_mailman3_member_id(r->body, r->len)) == NULL) {
		hook_finish(j, HOOK_DELIVERED, "not a member of the list: "
		    "nothing to do");
		return;
	}
	j->action = 1;
	seg = g_uri_escape_string(id, NULL, FALSE);
	if (j->conf->action == CONF_HOOK_REMOVE) {
		path = g_strdup_printf("members/%s", seg);
		url = hook_url(j, path);
		hook_request(j, "DELETE", url, "Content-Type: "
		    "application/x-www-form-urlencoded", "pre_approved=true",
		    NULL, hook_mailman3_acted);
	} else {
		path = g_strdup_printf("members/%s/preferences", seg);
		url = hook_url(j, path);
		hook_request(j, "PATCH", url, "Content-Type: "
		    "application/x-www-form-urlencoded",
		    "delivery_status=by_bounces", NULL, hook_mailman3_acted);
	}
}

/* GET members/find for the list Mailman calls list_id. */
static void
hook_mailman3_find(struct hook_job *j, const char *list_id)
{
	g_autofree char *list = g_uri_escape_string(list_id, NULL, FALSE);
	g_autofree char *address = g_uri_escape_string(j->address, NULL,
	    FALSE);
	g_autofree char *path = g_strdup_printf("members/find?list_id=%s"
	    "&subscriber=%s&role=member", list, address);
	g_autofree char *url = hook_url(j, path);

	hook_request(j, "GET", url, NULL, NULL, NULL, hook_mailman3_found);
}

/*
 * lists/L answered: Mailman has the list (by list_id or fqdn_listname),
 * or not, which is the event's answer: nothing of its to do.
 */
static void
hook_mailman3_list(const struct http_response *r, void *arg)
{
	struct hook_job *j = arg;
	g_autofree char *list_id = NULL, *why = NULL;

	if (r->status == 404) {
		why = g_strdup_printf("Mailman has no list %s: nothing to do",
		    j->list);
		hook_finish(j, HOOK_DELIVERED, why);
		return;
	}
	if (!hook_answer(j, r, "lists"))
		return;
	list_id = hook_mailman3_list_id(r->body, r->len);
	hook_mailman3_find(j, list_id != NULL ? list_id : j->list);
}

static void
hook_mailman3(struct hook_job *j)
{
	g_autofree char *list = NULL, *path = NULL, *url = NULL;

	if (!hook_acts(j) || j->list == NULL) {
		hook_finish(j, HOOK_DELIVERED, "no address.dead or "
		    "address.complained of a list: nothing to do");
		return;
	}
	list = g_uri_escape_string(j->list, NULL, FALSE);
	path = g_strdup_printf("lists/%s", list);
	url = hook_url(j, path);
	hook_request(j, "GET", url, NULL, NULL, NULL, hook_mailman3_list);
}

const struct hook_backend hook_mailman3_backend = {
	.kind = CONF_HOOK_MAILMAN3, .deliver = hook_mailman3,
};
