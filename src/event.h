/*
 * event.h: one change that rebound tells the world about (an address
 * became dead, complained, suspect or alive again; an incident opened
 * or closed), and how it is written out: a JSON object (the schema of
 * "rebound events" and of webhook bodies, version EVENT_VERSION), a
 * plain line, or the values of a CSV row.  Pure: no database, no I/O.
 */
#ifndef REBOUND_EVENT_H
#define REBOUND_EVENT_H

#include <glib.h>

/* The JSON schema's "version": raised when a field changes meaning. */
#define EVENT_VERSION	1

enum event_type {
	EVENT_ADDRESS_DEAD,
	EVENT_ADDRESS_COMPLAINED,
	EVENT_ADDRESS_SUSPECT,
	EVENT_ADDRESS_ALIVE,
	EVENT_INCIDENT_OPENED,
	EVENT_INCIDENT_CLOSED,
	EVENT_NTYPES
};

/*
 * An event as stored.  Text may be NULL; id is 0 until the event is
 * published, incident 0 unless it is an incident's event.
 */
struct event {
	gint64		 id;
	const char	*type;		/* event_type_name() */
	gint64		 time;		/* when it happened, Unix time */
	const char	*address;
	const char	*list;		/* List-Id or VERP list */
	const char	*state;		/* the address's state after */
	const char	*previous;	/* and before */
	const char	*reason;	/* of the outcome that caused it */
	const char	*class;
	const char	*status;
	const char	*confidence;
	const char	*evidence;	/* whose words decided (decided_by) */
	const char	*digest;	/* SHA-256 of the message behind it */
	gint64		 incident;
};

/* The fields in the order every rendering prints them. */
#define EVENT_NFIELDS	14

/* An event's fields as text, for output.c (CSV) or a program. */
struct event_values {
	const char	*v[EVENT_NFIELDS + 1];	/* NULL where none; NULL-ended */
	char		 id[24];
	char		 time[32];
	char		 incident[24];
};

const char		*event_type_name(enum event_type);
int			 event_type_known(const char *name);
const char		*event_type_of_state(const char *state);
char			*event_list_id(const char *list);
const char *const	*event_columns(void);
void			 event_values(const struct event *,
			    struct event_values *);
void			 event_time(gint64 t, char out[32]);
void			 event_json(const struct event *, GString *out);
void			 event_plain(const struct event *, GString *out);

#endif
