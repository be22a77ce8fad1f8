/*
 * json_read.h: reading JSON documents with json-glib, for the parsers
 * of what services send (webhook bodies, SES notifications): a member
 * is taken only with the type it must have, never found by its text.
 */
#ifndef REBOUND_JSON_READ_H
#define REBOUND_JSON_READ_H

#include <stddef.h>

#include <json-glib/json-glib.h>

#define JSON_READ_ERROR	(json_read_error_quark())
GQuark		 json_read_error_quark(void);

/* text as a JSON object: the parser that owns *top, or NULL and an error. */
JsonParser	*json_read_load(const char *text, size_t len, JsonObject **top,
		    GError **);
/* A member of o (which may be NULL) of its type, or NULL (0). */
JsonObject	*json_read_object(JsonObject *o, const char *name);
JsonArray	*json_read_array(JsonObject *o, const char *name);
const char	*json_read_string(JsonObject *o, const char *name);
gint64		 json_read_int(JsonObject *o, const char *name);
/* Element i of a, if a string, or NULL. */
const char	*json_read_element_string(JsonArray *a, guint i);

#endif
