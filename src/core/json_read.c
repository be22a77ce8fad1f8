/*
 * json_read.c: members of a JSON object (RFC 8259) read with json-glib,
 * each only when it has the type asked for: a number where a string
 * belongs is absent, as is a key that only appears inside a string
 * value or in a nested object.  Bad input is an error, never a guess.
 */
#include "config.h"

#include "json_read.h"

G_DEFINE_QUARK(rebound-json-read-error-quark, json_read_error)

JsonParser *
json_read_load(const char *text, size_t len, JsonObject **top,
    GError **error)
{
	JsonParser *p = json_parser_new_immutable();
	JsonNode *root;

	if (len > G_MAXSSIZE || !json_parser_load_from_data(p, text,
	    (gssize)len, error)) {
		g_object_unref(p);
		return NULL;
	}
	root = json_parser_get_root(p);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, JSON_READ_ERROR, 0, "not a JSON object");
		g_object_unref(p);
		return NULL;
	}
	*top = json_node_get_object(root);
	return p;
}

static JsonNode *
json_read_member(JsonObject *o, const char *name)
{
	return o != NULL ? json_object_get_member(o, name) : NULL;
}

JsonObject *
json_read_object(JsonObject *o, const char *name)
{
	JsonNode *n = json_read_member(o, name);

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ?
	    json_node_get_object(n) : NULL;
}

JsonArray *
json_read_array(JsonObject *o, const char *name)
{
	JsonNode *n = json_read_member(o, name);

	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ?
	    json_node_get_array(n) : NULL;
}

static const char *
json_read_node_string(JsonNode *n)
{
	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

const char *
json_read_string(JsonObject *o, const char *name)
{
	return json_read_node_string(json_read_member(o, name));
}

gint64
json_read_int(JsonObject *o, const char *name)
{
	JsonNode *n = json_read_member(o, name);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_INT64)
		return 0;
	return json_node_get_int(n);
}

const char *
json_read_element_string(JsonArray *a, guint i)
{
	if (a == NULL || i >= json_array_get_length(a))
		return NULL;
	return json_read_node_string(json_array_get_element(a, i));
}
