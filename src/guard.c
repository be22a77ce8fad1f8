/*
 * guard.c: hold a burst of hard outcomes that is a provider's incident,
 * not a list of dead addresses.
 *
 * Each hard outcome belongs to two groups: its recipient's domain, and
 * the provider that answered (the registered domain of the receiving
 * host), so that a provider hosting many domains counts as one.  For
 * each group the guard keeps the hard outcomes of the last window and a
 * count per window-long slot of the baseline period before.  An incident
 * opens when, within window, more than min_addresses distinct addresses
 * bounce hard and more than factor times the group's baseline rate (hard
 * outcomes per window over the baseline period, held ones left out).  It
 * holds the outcomes of the window that crossed, those before the
 * crossing included, and every hard outcome of the group after, until
 * quiet seconds pass without one: then it closes.
 *
 * A group seen for the first time has a baseline of 0: min_addresses
 * alone decides.  That errs towards holding, which costs a few days
 * (held outcomes count as soft and soft days still add up to dead), never
 * a live subscriber.  The same holds for a domain that really vanished
 * in one burst: its addresses die by the soft rule a few days later,
 * while a domain whose DNS broke for an hour loses no one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "vocab.h"

/* A hard outcome inside a group's window. */
struct guard_rec {
	gint64	 outcome;
	gint64	 at;
	char	*address;
	int	 counted;	/* in the baseline slots */
};

/* Hard outcomes not held, per window-long slot. */
struct guard_slot {
	gint64	 slot;
	guint	 n;
};

struct guard_group {
	enum guard_kind	 kind;
	char		*name;
	GQueue		 recent;	/* of guard_rec, oldest first */
	GHashTable	*in_window;	/* address -> count in recent */
	GQueue		 slots;		/* of guard_slot, oldest first */
	guint64		 baseline_n;	/* sum of slots */
	gint64		 newest;
	struct guard_incident *open;
};

struct guard {
	struct guard_conf	 conf;
	struct guard_calls	 calls;
	void			*data;
	GHashTable		*groups[2];	/* by kind: name -> group */
	GPtrArray		*open;		/* of guard_incident */
	gint64			 now;		/* newest outcome seen */
};

/* The keys of [guard]: one table for parsing, errors and defaults. */
enum guard_type { GUARD_BOOL, GUARD_COUNT, GUARD_SECONDS };

static const struct {
	const char	*key;
	enum guard_type	 type;
	size_t		 offset;
} guard_keys[] = {
	{ "enabled", GUARD_BOOL, G_STRUCT_OFFSET(struct guard_conf, enabled) },
	{ "window", GUARD_SECONDS, G_STRUCT_OFFSET(struct guard_conf, window) },
	{ "min_addresses", GUARD_COUNT,
	    G_STRUCT_OFFSET(struct guard_conf, min_addresses) },
	{ "factor", GUARD_COUNT, G_STRUCT_OFFSET(struct guard_conf, factor) },
	{ "baseline", GUARD_SECONDS,
	    G_STRUCT_OFFSET(struct guard_conf, baseline) },
	{ "quiet", GUARD_SECONDS, G_STRUCT_OFFSET(struct guard_conf, quiet) },
};

void
guard_defaults(struct guard_conf *c)
{
	c->enabled = 1;
	c->window = 3600;
	c->min_addresses = 20;
	c->factor = 10;
	c->baseline = 30 * 86400;
	c->quiet = 6 * 3600;
}

/* A duration as the policy writes them: 30s, 5m, 1h, 30d. */
static int
guard_seconds(const char *value, gint64 *out)
{
	char *end;
	long long n = g_ascii_strtoll(value, &end, 10);
	int unit;

	if (end == value || n < 1 || n > 3650LL * 86400)
		return 0;
	switch (*end) {
	case 's': case '\0': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return 0;
	}
	if (*end != '\0' && end[1] != '\0')
		return 0;
	if (n * unit > 3650LL * 86400)
		return 0;
	*out = n * unit;
	return 1;
}

static int
guard_value(enum guard_type type, const char *value, void *slot)
{
	char *end;
	long n;

	switch (type) {
	case GUARD_BOOL:	/* guard_set() reads it with vocab_bool() */
		return 0;
	case GUARD_COUNT:
		n = strtol(value, &end, 10);
		if (end == value || *end != '\0' || n < 1 || n > 1000000)
			return 0;
		*(int *)slot = (int)n;
		return 1;
	case GUARD_SECONDS:
		return guard_seconds(value, slot);
	}
	return 0;
}

int
guard_set(struct guard_conf *c, const char *key, const char *value,
    GError **error)
{
	static const char *const wants[] = {
		[GUARD_COUNT] = "a positive number",
		[GUARD_SECONDS] = "a duration (30s, 5m, 1h, 30d)",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(guard_keys); i++) {
		if (strcmp(key, guard_keys[i].key) != 0)
			continue;
		if (guard_keys[i].type == GUARD_BOOL) {
			if (vocab_bool(value, G_STRUCT_MEMBER_P(c,
			    guard_keys[i].offset), error))
				return 1;
			g_prefix_error(error, "guard %s: ", key);
			return 0;
		}
		if (guard_value(guard_keys[i].type, value,
		    G_STRUCT_MEMBER_P(c, guard_keys[i].offset)))
			return 1;
		g_set_error(error, G_KEY_FILE_ERROR,
		    G_KEY_FILE_ERROR_INVALID_VALUE, "guard %s: '%s' is not %s",
		    key, value, wants[guard_keys[i].type]);
		return 0;
	}
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
	    "unknown guard key '%s' (known: enabled, window, min_addresses, "
	    "factor, baseline, quiet)", key);
	return 0;
}

/* Whether key takes a boolean, and where in struct guard_conf its int is. */
int
guard_key_bool(const char *key, size_t *offset_r)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(guard_keys); i++)
		if (strcmp(key, guard_keys[i].key) == 0) {
			*offset_r = guard_keys[i].offset;
			return guard_keys[i].type == GUARD_BOOL;
		}
	return 0;
}

const char *
guard_kind_name(enum guard_kind kind)
{
	return kind == GUARD_PROVIDER ? "provider" : "domain";
}

/*
 * How the policy counts an outcome held by an incident in that state:
 * as soft while the incident is open or closed by itself, as hard once
 * an operator confirmed it, not at all once one discarded it.  NULL:
 * not counted.
 */
const char *
guard_counts_as(const char *class, const char *incident_state)
{
	if (incident_state == NULL || strcmp(class, "hard") != 0 ||
	    strcmp(incident_state, "confirmed") == 0)
		return class;
	if (strcmp(incident_state, "discarded") == 0)
		return NULL;
	return "soft";
}

static void
guard_rec_free(gpointer p)
{
	struct guard_rec *r = p;

	g_free(r->address);
	g_free(r);
}

static void
guard_incident_free(struct guard_incident *inc)
{
	g_hash_table_unref(inc->addresses);
	g_free(inc->group);
	g_free(inc->sample);
	g_free(inc);
}

static void
guard_group_free(gpointer p)
{
	struct guard_group *gr = p;

	g_queue_clear_full(&gr->recent, guard_rec_free);
	g_queue_clear_full(&gr->slots, g_free);
	g_hash_table_unref(gr->in_window);
	g_free(gr->name);
	g_free(gr);
}

struct guard *
guard_new(const struct guard_conf *conf, const struct guard_calls *calls,
    void *data)
{
	struct guard *g = g_new0(struct guard, 1);
	int k;

	g->conf = *conf;
	if (calls != NULL)
		g->calls = *calls;
	g->data = data;
	for (k = 0; k < 2; k++)
		g->groups[k] = g_hash_table_new_full(g_str_hash, g_str_equal,
		    NULL, guard_group_free);
	g->open = g_ptr_array_new();
	return g;
}

void
guard_free(struct guard **gp)
{
	struct guard *g = *gp;
	guint i;

	if (g == NULL)
		return;
	for (i = 0; i < g->open->len; i++)
		guard_incident_free(g_ptr_array_index(g->open, i));
	g_ptr_array_free(g->open, TRUE);
	g_hash_table_unref(g->groups[0]);
	g_hash_table_unref(g->groups[1]);
	g_free(g);
	*gp = NULL;
}

static struct guard_group *
guard_group(struct guard *g, enum guard_kind kind, const char *name)
{
	struct guard_group *gr = g_hash_table_lookup(g->groups[kind], name);

	if (gr != NULL)
		return gr;
	gr = g_new0(struct guard_group, 1);
	gr->kind = kind;
	gr->name = g_strdup(name);
	gr->in_window = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	gr->newest = G_MININT64;
	g_hash_table_insert(g->groups[kind], gr->name, gr);
	return gr;
}

/* Count one more (or, with -1, one fewer) outcome of slot. */
static void
guard_slot_add(struct guard_group *gr, gint64 slot, int delta)
{
	GList *l;
	struct guard_slot *s;

	for (l = gr->slots.tail; l != NULL && ((struct guard_slot *)
	    l->data)->slot > slot; l = l->prev)
		;
	if (l != NULL && (s = l->data)->slot == slot) {
		if (delta < 0 && s->n == 0)
			return;
		s->n += delta;
		gr->baseline_n += delta;
		return;
	}
	if (delta < 0)
		return;
	s = g_new0(struct guard_slot, 1);
	s->slot = slot;
	s->n = 1;
	gr->baseline_n++;
	if (l == NULL)
		g_queue_push_head(&gr->slots, s);
	else
		g_queue_insert_after(&gr->slots, l, s);
}

/* Forget what fell out of the window and of the baseline period. */
static void
guard_slide(const struct guard *g, struct guard_group *gr, gint64 now)
{
	gint64 oldest_slot = (now - g->conf.baseline) / g->conf.window;
	struct guard_rec *r;
	struct guard_slot *s;
	gpointer n;

	while ((r = g_queue_peek_head(&gr->recent)) != NULL &&
	    r->at <= now - g->conf.window) {
		g_queue_pop_head(&gr->recent);
		n = g_hash_table_lookup(gr->in_window, r->address);
		if (GPOINTER_TO_UINT(n) <= 1)
			g_hash_table_remove(gr->in_window, r->address);
		else
			g_hash_table_insert(gr->in_window,
			    g_strdup(r->address),
			    GUINT_TO_POINTER(GPOINTER_TO_UINT(n) - 1));
		guard_rec_free(r);
	}
	while ((s = g_queue_peek_head(&gr->slots)) != NULL &&
	    s->slot < oldest_slot) {
		gr->baseline_n -= s->n;
		g_free(g_queue_pop_head(&gr->slots));
	}
}

static void
guard_remember(struct guard_group *gr, const struct guard_hit *h,
    int counted)
{
	struct guard_rec *r = g_new0(struct guard_rec, 1);
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(gr->in_window,
	    h->address));

	r->outcome = h->outcome;
	r->at = h->at;
	r->address = g_strdup(h->address);
	r->counted = counted;
	g_queue_push_tail(&gr->recent, r);
	g_hash_table_insert(gr->in_window, g_strdup(h->address),
	    GUINT_TO_POINTER(n + 1));
}

/*
 * Whether the window's distinct addresses are a burst: more than
 * min_addresses, and more than factor times the hard outcomes the group
 * had per window over the baseline period (slot by slot, the current
 * one left out).
 */
static int
guard_crossed(const struct guard *g, const struct guard_group *gr)
{
	guint64 distinct = g_hash_table_size(gr->in_window);
	guint64 slots = (guint64)(g->conf.baseline / g->conf.window);

	if (distinct <= (guint64)g->conf.min_addresses)
		return 0;
	return distinct * (slots ? slots : 1) >
	    (guint64)g->conf.factor * gr->baseline_n;
}

static void
guard_hold(struct guard_incident *inc, const struct guard_hit *h)
{
	if (inc->outcomes++ == 0 || h->at < inc->first)
		inc->first = h->at;
	if (h->at > inc->last)
		inc->last = h->at;
	g_hash_table_add(inc->addresses, g_strdup(h->address));
	if (inc->sample == NULL && h->diagnostic != NULL)
		inc->sample = g_strndup(h->diagnostic, 200);
}

/* Open an incident on gr: hold what its window has, h included. */
static struct guard_incident *
guard_open(struct guard *g, struct guard_group *gr,
    const struct guard_hit *h)
{
	struct guard_incident *inc = g_new0(struct guard_incident, 1);
	g_autoptr(GArray) earlier = g_array_new(FALSE, FALSE, sizeof(gint64));
	struct guard_hit each = *h;
	GList *l;

	inc->kind = gr->kind;
	inc->group = g_strdup(gr->name);
	inc->opened = h->at;
	inc->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	for (l = gr->recent.head; l != NULL; l = l->next) {
		struct guard_rec *r = l->data;

		if (r->counted) {
			guard_slot_add(gr, r->at / g->conf.window, -1);
			r->counted = 0;
		}
		each.address = r->address;
		each.at = r->at;
		guard_hold(inc, &each);
		if (r->outcome != h->outcome)
			g_array_append_val(earlier, r->outcome);
	}
	if (inc->sample == NULL && h->diagnostic != NULL)
		inc->sample = g_strndup(h->diagnostic, 200);
	gr->open = inc;
	g_ptr_array_add(g->open, inc);
	if (g->calls.opened != NULL)
		g->calls.opened(inc, earlier, g->data);
	return inc;
}

/* Close every incident quiet since before now. */
static void
guard_close_quiet(struct guard *g, gint64 now)
{
	struct guard_incident *inc;
	struct guard_group *gr;
	guint i = 0;

	while (i < g->open->len) {
		inc = g_ptr_array_index(g->open, i);
		if (inc->last + g->conf.quiet > now) {
			i++;
			continue;
		}
		inc->closed = inc->last + g->conf.quiet;
		if (g->calls.closed != NULL)
			g->calls.closed(inc, g->data);
		gr = g_hash_table_lookup(g->groups[inc->kind], inc->group);
		if (gr != NULL && gr->open == inc)
			gr->open = NULL;
		g_ptr_array_remove_index(g->open, i);
		guard_incident_free(inc);
	}
}

/* Count one hit in a group: in its window, and unless held, its baseline. */
static void
guard_count(struct guard *g, struct guard_group *gr,
    const struct guard_hit *h, int held)
{
	if (h->at > gr->newest)
		gr->newest = h->at;
	guard_slide(g, gr, gr->newest);
	if (h->at > gr->newest - g->conf.window)
		guard_remember(gr, h, !held);
	if (!held)
		guard_slot_add(gr, h->at / g->conf.window, 1);
}

/* The recipient's domain, lower case; NULL without one. */
static char *
guard_domain(const char *address)
{
	const char *at = strrchr(address, '@');

	return at != NULL && at[1] != '\0' ? g_ascii_strdown(at + 1, -1) :
	    NULL;
}

/*
 * The incident of these groups that holds h: when evaluating, any open
 * one (the provider's first: it is the wider); when restoring, the one
 * the store recorded.
 */
static struct guard_incident *
guard_holder(const struct guard *g, struct guard_group **grs,
    const struct guard_hit *h, int evaluate)
{
	int k;

	struct guard_incident *inc;

	for (k = 1; k >= 0; k--) {
		if (grs[k] == NULL || (inc = grs[k]->open) == NULL)
			continue;
		if (!evaluate ? inc->id == h->incident :
		    h->at > inc->first - g->conf.window)
			return inc;	/* not one from well before, late */
	}
	return NULL;
}

/*
 * Feed h to its groups (its provider, its domain unless the same): the
 * incident that holds it, or NULL.  A burst opens one incident, the
 * provider's when both cross, so that one provider's bad hour is one
 * incident however many of its domains it touched.
 */
static struct guard_incident *
guard_groups(struct guard *g, const struct guard_hit *h, int evaluate)
{
	g_autofree char *domain = guard_domain(h->address);
	struct guard_group *grs[2] = { NULL, NULL };
	struct guard_incident *inc;
	int k, held;

	if (h->at > g->now)
		g->now = h->at;
	/* A provider's own domain (bigmail.example's MX at bigmail.example)
	   is one group: the provider's. */
	if (h->provider != NULL)
		grs[GUARD_PROVIDER] = guard_group(g, GUARD_PROVIDER,
		    h->provider);
	if (domain != NULL && (h->provider == NULL ||
	    g_ascii_strcasecmp(h->provider, domain) != 0))
		grs[GUARD_DOMAIN] = guard_group(g, GUARD_DOMAIN, domain);
	inc = guard_holder(g, grs, h, evaluate);
	held = evaluate ? inc != NULL : h->incident != 0;
	for (k = 0; k < 2; k++)
		if (grs[k] != NULL)
			guard_count(g, grs[k], h, held);
	if (inc != NULL) {
		guard_hold(inc, h);
		return inc;
	}
	for (k = 1; evaluate && k >= 0; k--)
		if (grs[k] != NULL && guard_crossed(g, grs[k]))
			return guard_open(g, grs[k], h);
	return NULL;
}

/*
 * One hard outcome, in time order: the incident that holds it, or NULL.
 * Incidents quiet since before it close first.
 */
struct guard_incident *
guard_hard(struct guard *g, const struct guard_hit *h)
{
	guard_close_quiet(g, MAX(h->at, g->now));
	return guard_groups(g, h, 1);
}

/*
 * One hard outcome decided before (a restart): counted, never opening
 * anything.  Open incidents come first, through guard_adopt().
 */
void
guard_restore(struct guard *g, const struct guard_hit *h)
{
	guard_groups(g, h, 0);
}

/* An incident the store has open, as the guard kept it. */
void
guard_adopt(struct guard *g, gint64 id, enum guard_kind kind,
    const char *group, gint64 opened, gint64 first, gint64 last)
{
	struct guard_group *gr = guard_group(g, kind, group);
	struct guard_incident *inc = g_new0(struct guard_incident, 1);

	inc->id = id;
	inc->kind = kind;
	inc->group = g_strdup(group);
	inc->opened = opened;
	inc->first = first;
	inc->last = last;
	inc->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	gr->open = inc;
	g_ptr_array_add(g->open, inc);
	/* guard_restore() counts its outcomes and addresses back. */
}

/* An incident closed elsewhere (by an operator): forget it, no call. */
void
guard_drop(struct guard *g, struct guard_incident *inc)
{
	struct guard_group *gr = g_hash_table_lookup(g->groups[inc->kind],
	    inc->group);

	if (gr != NULL && gr->open == inc)
		gr->open = NULL;
	g_ptr_array_remove(g->open, inc);
	guard_incident_free(inc);
}

/*
 * The clock moved without outcomes (the daemon's timer): close quiet
 * incidents, and forget groups with nothing left in the baseline.
 */
void
guard_tick(struct guard *g, gint64 now)
{
	GHashTableIter it;
	gpointer v;
	int k;

	guard_close_quiet(g, now);
	for (k = 0; k < 2; k++) {
		g_hash_table_iter_init(&it, g->groups[k]);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			struct guard_group *gr = v;

			guard_slide(g, gr, MAX(now, gr->newest));
			if (gr->open == NULL && gr->recent.length == 0 &&
			    gr->slots.length == 0)
				g_hash_table_iter_remove(&it);
		}
	}
}

guint
guard_open_count(const struct guard *g)
{
	return g->open->len;
}
