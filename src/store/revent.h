/*
 * revent.h: one change that rebound tells the world about (an address
 * became dead, complained, suspect, probing or alive again; an incident opened
 * or closed; a hook paused by its max_actions_per_hour, or resumed),
 * and how it is written out: a JSON object (the schema of
 * "rebound events" and of webhook bodies, version REVENT_VERSION), a
 * plain line, or the values of a CSV row.  Pure: no database, no I/O.
 *
 * "revent", a rebound event: libevent, which reboundd links too, owns
 * struct event and the event_* names.
 */
#ifndef REBOUND_REVENT_H
#define REBOUND_REVENT_H

#include <glib.h>

/* The JSON schema's "version": raised when a field changes meaning. */
#define REVENT_VERSION	1

enum revent_type {
	REVENT_ADDRESS_DEAD,
	REVENT_ADDRESS_COMPLAINED,
	REVENT_ADDRESS_SUSPECT,
	REVENT_ADDRESS_ALIVE,
	REVENT_INCIDENT_OPENED,
	REVENT_INCIDENT_CLOSED,
	REVENT_HOOK_PAUSED,
	REVENT_HOOK_RESUMED,
	REVENT_ADDRESS_PROBING,
	REVENT_NTYPES
};

/*
 * An event as stored.  Text may be NULL; id is 0 until the event is
 * published, incident 0 unless it is an incident's event.
 */
struct revent {
	gint64		 id;
	const char	*type;		/* revent_type_name() */
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
#define REVENT_NFIELDS	14

/* An event's fields as text, for output.c (CSV) or a program. */
struct revent_values {
	const char	*v[REVENT_NFIELDS + 1];	/* NULL where none; NULL-ended */
	char		 id[24];
	char		 time[32];
	char		 incident[24];
};

const char		*revent_type_name(enum revent_type);
int			 revent_type_known(const char *name);
/* The type name names: 0 if none. */
int			 revent_type_parse(const char *name,
			    enum revent_type *);
char			*revent_type_list(void);
const char		*revent_type_of_state(const char *state);
char			*revent_list_id(const char *list);
const char *const	*revent_columns(void);
void			 revent_values(const struct revent *,
			    struct revent_values *);
void			 revent_time(gint64 t, char out[32]);
void			 revent_json(const struct revent *, GString *out);
void			 revent_plain(const struct revent *, GString *out);

#endif
