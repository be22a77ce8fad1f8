/*
 * revent.c: an event's names and renderings (revent.h).
 *
 * One table of fields, revent_columns_table[], decides the order and the
 * names of every rendering: JSON (one object a line, for "rebound
 * events" and webhook bodies), plain and CSV.  Times are RFC 3339 in
 * UTC ("2026-12-02T07:45:00Z"); a column whose name starts with '#' is
 * a number (bare in JSON, null when 0).
 *
 * Plain is for "while read" loops: tab-separated, "-" for a value that
 * is not there (the shell folds runs of tabs, so an empty field would
 * shift the others), control characters as spaces, and the evidence
 * last because it is the one field with spaces in it.
 */
#include "config.h"

#include <string.h>

#include "revent.h"
#include "vocab.h"
#include "json.h"

/* NULL-ended, for revent_type_list(). */
static const char *const revent_type_names[REVENT_NTYPES + 1] = {
	[REVENT_ADDRESS_DEAD] = "address.dead",
	[REVENT_ADDRESS_COMPLAINED] = "address.complained",
	[REVENT_ADDRESS_SUSPECT] = "address.suspect",
	[REVENT_ADDRESS_ALIVE] = "address.alive",
	[REVENT_INCIDENT_OPENED] = "incident.opened",
	[REVENT_INCIDENT_CLOSED] = "incident.closed",
	/* Their evidence is the hook's name (hook.c, cmd_hooks.c). */
	[REVENT_HOOK_PAUSED] = "hook.paused",
	[REVENT_HOOK_RESUMED] = "hook.resumed",
	/* Waits for its probe ([probe]): dead or alive comes after. */
	[REVENT_ADDRESS_PROBING] = "address.probing",
};

/* In struct revent_values' order; evidence last (see above). */
static const char *const revent_columns_table[REVENT_NFIELDS + 1] = {
	"#id", "type", "time", "address", "list", "state", "previous",
	"reason", "class", "status", "confidence", "digest", "#incident",
	"evidence", NULL
};

const char *
revent_type_name(enum revent_type t)
{
	return t < REVENT_NTYPES ? revent_type_names[t] : NULL;
}

int
revent_type_parse(const char *name, enum revent_type *type_r)
{
	int i = vocab_find(revent_type_names, REVENT_NTYPES, name);

	if (i >= 0)
		*type_r = (enum revent_type)i;
	return i >= 0;
}

int
revent_type_known(const char *name)
{
	enum revent_type type;

	return revent_type_parse(name, &type);
}

/* "address.dead, ..., hook.resumed", for a message; g_free'd. */
char *
revent_type_list(void)
{
	return g_strjoinv(", ", (char **)revent_type_names);
}

/* The type of an address's change to state ("dead"), or NULL. */
const char *
revent_type_of_state(const char *state)
{
	guint i;

	for (i = 0; i < REVENT_NTYPES; i++)
		if (g_str_has_prefix(revent_type_names[i], "address.") &&
		    strcmp(revent_type_names[i] + strlen("address."),
		    state) == 0)
			return revent_type_names[i];
	return NULL;
}

/*
 * An event's list: the id of a List-Id value (RFC 2919: "Weekly
 * <weekly.lists.example.com>" is weekly.lists.example.com, as Mailman
 * names its lists), else the value as it is (a VERP list's name).
 */
char *
revent_list_id(const char *list)
{
	const char *open;

	if (list == NULL)
		return NULL;
	if ((open = strrchr(list, '<')) != NULL && strchr(open, '>') != NULL)
		return g_strndup(open + 1, strcspn(open + 1, ">"));
	return g_strstrip(g_strdup(list));
}

const char *const *
revent_columns(void)
{
	return revent_columns_table;
}

/* RFC 3339, UTC, to the second; "" for a time GLib cannot show. */
void
revent_time(gint64 t, char out[32])
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
	g_autofree char *s = dt ? g_date_time_format(dt,
	    "%Y-%m-%dT%H:%M:%SZ") : NULL;

	g_strlcpy(out, s ? s : "", 32);
}

void
revent_values(const struct revent *ev, struct revent_values *r)
{
	const char **v = r->v;

	g_snprintf(r->id, sizeof r->id, "%" G_GINT64_FORMAT, ev->id);
	revent_time(ev->time, r->time);
	g_snprintf(r->incident, sizeof r->incident, "%" G_GINT64_FORMAT,
	    ev->incident);
	*v++ = ev->id ? r->id : NULL;
	*v++ = ev->type;
	*v++ = r->time;
	*v++ = ev->address;
	*v++ = ev->list;
	*v++ = ev->state;
	*v++ = ev->previous;
	*v++ = ev->reason;
	*v++ = ev->class;
	*v++ = ev->status;
	*v++ = ev->confidence;
	*v++ = ev->digest;
	*v++ = ev->incident ? r->incident : NULL;
	*v++ = ev->evidence;
	*v = NULL;
}

/* One JSON object, no newline: {"version":1,"id":12,"type":...}. */
void
revent_json(const struct revent *ev, GString *out)
{
	struct revent_values r;

	revent_values(ev, &r);
	g_string_append_c(out, '{');
	json_member_int(out, "version", REVENT_VERSION);
	json_members(out, revent_columns_table, r.v);
	g_string_append_c(out, '}');
}

/* One plain line, with its newline. */
void
revent_plain(const struct revent *ev, GString *out)
{
	struct revent_values r;
	const char *p;
	guint i;

	revent_values(ev, &r);
	for (i = 0; i < REVENT_NFIELDS; i++) {
		if (i > 0)
			g_string_append_c(out, '\t');
		if (r.v[i] == NULL || *r.v[i] == '\0') {
			g_string_append_c(out, '-');
			continue;
		}
		for (p = r.v[i]; *p != '\0'; p++)
			g_string_append_c(out, (guchar)*p < 0x20 || *p == 0x7f ?
			    ' ' : *p);
	}
	g_string_append_c(out, '\n');
}
