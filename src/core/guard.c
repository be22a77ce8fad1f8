/*
 * guard.c: hold a burst of hard outcomes that is a provider's incident,
 * not a list of dead addresses.
 *
 * Each hard outcome belongs to two groups: its recipient's domain, and
 * the provider that answered (the registered domain of the receiving
 * host), so that a provider hosting many domains counts as one; with no
 * host known (a sending service's webhook), a large provider's domain
 * counts as that provider (providers.tab, guard_pick()).  For
 * each group the guard keeps the hard outcomes of the last window and a
 * count per window-long slot of the baseline period before.  An incident
 * opens when, within window, more than min_addresses distinct addresses
 * bounce hard and more than factor times the group's baseline rate (hard
 * outcomes per window over the baseline period, held ones left out).  It
 * holds the outcomes of the window that crossed, those before the
 * crossing included, and every hard outcome of the group after, until
 * quiet seconds pass without one: then it closes.
 *
 * Bounces do not come in time order (an MTA's retry comes after newer
 * mail), so each group keeps its hard outcomes of the window and the
 * late time sorted by time (a balanced tree: a burst come in any order
 * costs O(log n) an outcome), and counts each one by its own time: one
 * that comes late is counted in every window it falls in, and the first
 * of those that crosses opens the incident then, in the past; one whose
 * time falls in an incident's span (from its opening less a window to
 * quiet after its last outcome), open or closed within the late time,
 * is held by it.  The result is what time order would have given.
 * Later than late, an outcome only joins an incident it falls in.
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
#include "provider.h"

/* A hard outcome of a group, kept for the window and the late time. */
struct guard_rec {
	gint64	 outcome;
	gint64	 at;
	guint64	 serial;	/* ties: in the order they came */
	const char *address;	/* in text[] */
	const char *diagnostic;	/* its first 200 bytes, for a sample: in
				   text[] after the address, or NULL */
	int	 counted;	/* in the baseline slots */
	char	 text[];	/* one allocation: freed by g_free() */
};

/* Hard outcomes not held, per window-long slot. */
struct guard_slot {
	gint64	 slot;
	guint	 n;
};

struct guard_group {
	enum guard_kind	 kind;
	char		*name;
	GSequence	*recent;	/* of guard_rec, by time */
	GQueue		 slots;		/* of guard_slot, oldest first */
	GHashTable	*win;		/* address -> guint *: its outcomes
					   in the window ending at win_at */
	gint64		 win_at;
	int		 win_kept;	/* whether win is of win_at */
};

struct guard {
	struct guard_conf	 conf;
	struct guard_calls	 calls;
	void			*data;
	GHashTable		*groups[2];	/* by kind: name -> group */
	GPtrArray		*kept;		/* of guard_incident: open, and
						   closed within late */
	GHashTable		*held;		/* outcome -> incident id */
	gint64			 now;		/* newest outcome seen */
	gint64			 keys;		/* the last incident key */
	guint64			 serial;	/* the last guard_rec's */
};

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

	g_sequence_free(gr->recent);
	g_queue_clear_full(&gr->slots, g_free);
	g_hash_table_destroy(gr->win);
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
	g->kept = g_ptr_array_new();
	g->held = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
	    g_free);
	g->now = G_MININT64;
	return g;
}

void
guard_free(struct guard **gp)
{
	struct guard *g = *gp;
	guint i;

	if (g == NULL)
		return;
	for (i = 0; i < g->kept->len; i++)
		guard_incident_free(g_ptr_array_index(g->kept, i));
	g_ptr_array_free(g->kept, TRUE);
	g_hash_table_unref(g->held);
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
	gr->recent = g_sequence_new(g_free);
	gr->win = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    g_free);
	g_hash_table_insert(g->groups[kind], gr->name, gr);
	return gr;
}

/* The incident (its key) that holds outcome, 0 for none. */
static gint64
guard_held_by(const struct guard *g, gint64 outcome)
{
	gint64 *id = g_hash_table_lookup(g->held, &outcome);

	return id != NULL ? *id : 0;
}

/* A kept incident by its key (or, with by_id, by its caller's id). */
static struct guard_incident *
guard_kept(const struct guard *g, gint64 key, int by_id)
{
	guint i;

	for (i = 0; i < g->kept->len; i++) {
		struct guard_incident *inc = g_ptr_array_index(g->kept, i);

		if ((by_id ? inc->id : inc->key) == key)
			return inc;
	}
	return NULL;
}

static struct guard_incident *
guard_incident_new(struct guard *g, enum guard_kind kind, const char *group,
    gint64 opened)
{
	struct guard_incident *inc = g_new0(struct guard_incident, 1);

	inc->key = ++g->keys;
	inc->kind = kind;
	inc->group = g_strdup(group);
	inc->opened = opened;
	inc->first = inc->last = opened;
	inc->addresses = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	g_ptr_array_add(g->kept, inc);
	return inc;
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
		return;
	}
	if (delta < 0)
		return;
	s = g_new0(struct guard_slot, 1);
	s->slot = slot;
	s->n = 1;
	if (l == NULL)
		g_queue_push_head(&gr->slots, s);
	else
		g_queue_insert_after(&gr->slots, l, s);
}

static struct guard_rec *
guard_rec(GSequenceIter *it)
{
	return g_sequence_get(it);
}

/* By time, then in the order they came. */
static int
guard_rec_cmp(gconstpointer pa, gconstpointer pb, gpointer unused)
{
	const struct guard_rec *a = pa, *b = pb;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	return a->serial < b->serial ? -1 : a->serial > b->serial;
}

/* The first of gr's recent outcomes after t (the end if none). */
static GSequenceIter *
guard_after(const struct guard_group *gr, gint64 t)
{
	struct guard_rec key = { .at = t, .serial = G_MAXUINT64 };

	return g_sequence_search(gr->recent, &key, guard_rec_cmp, NULL);
}

/* Whether an outcome at at is in the window gr keeps. */
static int
guard_in_win(const struct guard *g, const struct guard_group *gr, gint64 at)
{
	return gr->win_kept && at > gr->win_at - g->conf.window &&
	    at <= gr->win_at;
}

/* One outcome of address more (n = 1) or less (n = -1) in gr's window. */
static void
guard_win_add(struct guard_group *gr, const char *address, int n)
{
	guint *count = g_hash_table_lookup(gr->win, address);

	if (count == NULL) {
		if (n < 0)
			return;
		count = g_new0(guint, 1);
		g_hash_table_insert(gr->win, g_strdup(address), count);
	}
	*count += n;
	if (*count == 0)
		g_hash_table_remove(gr->win, address);
}

/*
 * Forget what fell out of the window and the late time, and out of the
 * baseline period.
 */
static void
guard_slide(struct guard *g, struct guard_group *gr, gint64 now)
{
	gint64 oldest_slot = (now - g->conf.baseline) / g->conf.window;
	GSequenceIter *it;
	struct guard_slot *s;

	while (!g_sequence_iter_is_end(it = g_sequence_get_begin_iter(
	    gr->recent)) &&
	    guard_rec(it)->at <= now - g->conf.window - g->conf.late) {
		g_hash_table_remove(g->held, &guard_rec(it)->outcome);
		if (guard_in_win(g, gr, guard_rec(it)->at))
			guard_win_add(gr, guard_rec(it)->address, -1);
		g_sequence_remove(it);
	}
	while ((s = g_queue_peek_head(&gr->slots)) != NULL &&
	    s->slot < oldest_slot)
		g_free(g_queue_pop_head(&gr->slots));
}

/* Keep h in gr's recent outcomes, in time order (ties: as they came). */
static void
guard_remember(struct guard *g, struct guard_group *gr,
    const struct guard_hit *h, int counted)
{
	size_t alen = strlen(h->address) + 1;
	size_t dlen = h->diagnostic != NULL ? strnlen(h->diagnostic, 200) : 0;
	struct guard_rec *r = g_malloc0(sizeof(*r) + alen + dlen + 1);

	r->outcome = h->outcome;
	r->at = h->at;
	r->serial = ++g->serial;
	r->address = memcpy(r->text, h->address, alen);
	if (h->diagnostic != NULL)
		r->diagnostic = memcpy(r->text + alen, h->diagnostic, dlen);
	r->counted = counted;
	g_sequence_insert_sorted(gr->recent, r, guard_rec_cmp, NULL);
	if (guard_in_win(g, gr, r->at))
		guard_win_add(gr, r->address, 1);
}

/* Whether it is an outcome of slot (not the end, nor another slot's). */
static int
guard_in_slot(const struct guard *g, GSequenceIter *it, gint64 slot)
{
	return it != NULL && !g_sequence_iter_is_end(it) &&
	    guard_rec(it)->at / g->conf.window == slot;
}

/*
 * The group's hard outcomes per window over the baseline period as it
 * stood at the time of end (in gr->recent): the slots before its slot,
 * and of its slot those counted up to its time, not those that came
 * late (or early) from after it.  Its slot is walked both ways from end
 * at once, so that the walk is as short as the shorter side: in time
 * order, none at all.
 */
static guint64
guard_baseline_at(const struct guard *g, const struct guard_group *gr,
    GSequenceIter *end)
{
	gint64 t = guard_rec(end)->at, slot = t / g->conf.window;
	guint64 before = 0, in_slot = 0, after = 0, upto = 0;
	GSequenceIter *f, *b;
	GList *l;

	end = g_sequence_iter_prev(guard_after(gr, t));	/* ties are of t */
	for (l = gr->slots.head; l != NULL; l = l->next) {
		const struct guard_slot *s = l->data;

		if (s->slot > slot)
			break;
		if (s->slot == slot)
			in_slot = s->n;
		else
			before += s->n;
	}
	for (f = g_sequence_iter_next(end), b = end;;) {
		if (!guard_in_slot(g, f, slot))
			return before + (after < in_slot ? in_slot - after : 0);
		after += guard_rec(f)->counted;
		f = g_sequence_iter_next(f);
		if (!guard_in_slot(g, b, slot))
			return before + upto;
		upto += guard_rec(b)->counted;
		b = g_sequence_iter_is_begin(b) ? NULL :
		    g_sequence_iter_prev(b);
	}
}

/*
 * Whether distinct addresses in the window ending at end are a burst:
 * more than min_addresses, and more than factor times the hard outcomes
 * the group had per window over the baseline period.
 */
static int
guard_crossed(const struct guard *g, const struct guard_group *gr,
    guint distinct, GSequenceIter *end)
{
	guint64 slots = (guint64)(g->conf.baseline / g->conf.window);

	if (distinct <= (guint)g->conf.min_addresses)
		return 0;
	return (guint64)distinct * (slots ? slots : 1) >
	    (guint64)g->conf.factor * guard_baseline_at(g, gr, end);
}

/* Whether the window ending at r was one the guard looked at. */
static int
guard_looked(const struct guard *g, const struct guard_rec *r)
{
	gint64 id = guard_held_by(g, r->outcome);
	const struct guard_incident *inc;

	if (id == 0)
		return 1;
	/* Held when it came, by an incident open then: not looked at. */
	inc = guard_kept(g, id, 0);
	return inc != NULL && r->at < inc->opened;
}

/*
 * How many addresses gr's outcomes in the window ending at t have.  The
 * count is kept from one call to the next (guard_remember() and
 * guard_slide() keep it up to date): in time order the window only
 * slides forward, over the outcomes that came since.  Counted anew over
 * every outcome it holds, it made each hard bounce cost as much as the
 * group's recent ones, quadratic in a burst.  A window before the kept
 * one (a late outcome's) is counted anew.
 */
static guint
guard_distinct(const struct guard *g, struct guard_group *gr, gint64 t)
{
	GSequenceIter *it;
	struct guard_rec *r;
	gint64 from = gr->win_at;

	if (!gr->win_kept || t < gr->win_at) {
		g_hash_table_remove_all(gr->win);
		from = t - g->conf.window;
	}
	for (it = guard_after(gr, from); !g_sequence_iter_is_end(it) &&
	    (r = guard_rec(it))->at <= t; it = g_sequence_iter_next(it))
		guard_win_add(gr, r->address, 1);
	if (gr->win_kept && t >= gr->win_at)
		for (it = guard_after(gr, gr->win_at - g->conf.window);
		    !g_sequence_iter_is_end(it) && (r = guard_rec(it))->at <=
		    t - g->conf.window; it = g_sequence_iter_next(it))
			guard_win_add(gr, r->address, -1);
	gr->win_at = t;
	gr->win_kept = 1;
	return g_hash_table_size(gr->win);
}

/*
 * The first time in [from, until) at which a window of gr ending at one
 * of its outcomes crosses, or -1.  In time order that is each new
 * outcome's window; an outcome that came late adds to every window
 * ending in the window after it, and any of those may cross now.
 * Outcomes of one time share a window and a baseline: each time is
 * weighed once, and its outcomes are looked at only if it crosses (a
 * burst brings hundreds a second).
 */
static gint64
guard_first_crossing(const struct guard *g, struct guard_group *gr,
    gint64 from, gint64 until)
{
	GSequenceIter *it, *end = guard_after(gr, from - 1);
	gint64 t;

	for (; !g_sequence_iter_is_end(end) &&
	    (t = guard_rec(end)->at) < until; end = guard_after(gr, t)) {
		if (!guard_crossed(g, gr, guard_distinct(g, gr, t), end))
			continue;
		for (it = end; !g_sequence_iter_is_end(it) &&
		    guard_rec(it)->at == t; it = g_sequence_iter_next(it))
			if (guard_looked(g, guard_rec(it)))
				return t;
	}
	return -1;
}

/*
 * Note that incident key holds outcome at, as long as the groups keep
 * it (-1: an incident no longer kept).
 */
static void
guard_mark(struct guard *g, gint64 outcome, gint64 at, gint64 key)
{
	if (at <= g->now - g->conf.window - g->conf.late)
		return;		/* in no window: guard_slide() forgets it */
	g_hash_table_replace(g->held, g_memdup2(&outcome, sizeof outcome),
	    g_memdup2(&key, sizeof key));
}

/*
 * One more outcome held.  The sample is the diagnostic of the earliest
 * one, so that it does not depend on the order they came in.
 */
static void
guard_hold(struct guard *g, struct guard_incident *inc, gint64 outcome,
    const char *address, gint64 at, const char *diagnostic)
{
	guard_mark(g, outcome, at, inc->key);
	if (diagnostic != NULL && (inc->sample == NULL || at < inc->first ||
	    (at == inc->first && strcmp(diagnostic, inc->sample) < 0))) {
		g_free(inc->sample);
		inc->sample = g_strndup(diagnostic, 200);
	}
	if (inc->outcomes++ == 0 || at < inc->first)
		inc->first = at;
	if (at > inc->last)
		inc->last = at;
	g_hash_table_add(inc->addresses, g_strdup(address));
}

/* Hold r for inc unless it is held: by inc, or by another incident. */
static void
guard_chain_one(struct guard *g, struct guard_group *gr,
    struct guard_incident *inc, struct guard_rec *r, gint64 skip,
    GArray *added)
{
	if (guard_held_by(g, r->outcome) != 0)
		return;
	if (r->counted) {
		guard_slot_add(gr, r->at / g->conf.window, -1);
		r->counted = 0;
	}
	guard_hold(g, inc, r->outcome, r->address, r->at, r->diagnostic);
	if (r->outcome != skip)
		g_array_append_val(added, r->outcome);
}

/* Whether inc, as it stands, holds an outcome at t in time order. */
static int
guard_spans(const struct guard *g, const struct guard_incident *inc,
    gint64 t)
{
	return t > inc->opened - g->conf.window &&
	    t <= MAX(inc->last, inc->opened) + g->conf.quiet;
}

/*
 * Hold what inc holds in time order and does not yet: gr's outcomes
 * after its opening less a window, up to the first gap of quiet seconds
 * (inc->last grows as they are held).  Only where that can have changed
 * is walked: up to lo (its opening less a window as it was) and after
 * hi (quiet after its last outcome as it was); a new incident passes
 * G_MAXINT64 for both.  The ids newly held go to added, but skip; a
 * closed incident's close moves with its last outcome.
 */
static void
guard_chain(struct guard *g, struct guard_group *gr,
    struct guard_incident *inc, gint64 skip, GArray *added, gint64 lo,
    gint64 hi)
{
	GSequenceIter *it;
	struct guard_rec *r;

	for (it = guard_after(gr, inc->opened - g->conf.window);
	    !g_sequence_iter_is_end(it) && (r = guard_rec(it))->at <=
	    MIN(lo, hi) && guard_spans(g, inc, r->at);
	    it = g_sequence_iter_next(it))
		guard_chain_one(g, gr, inc, r, skip, added);
	if (hi != G_MAXINT64)
		for (it = guard_after(gr, hi); !g_sequence_iter_is_end(it) &&
		    guard_spans(g, inc, guard_rec(it)->at);
		    it = g_sequence_iter_next(it))
			guard_chain_one(g, gr, inc, guard_rec(it), skip, added);
	if (inc->closed != 0)
		inc->closed = MAX(inc->closed, inc->last + g->conf.quiet);
}

/* Open an incident on gr at t: hold what its window has, h included. */
static struct guard_incident *
guard_open(struct guard *g, struct guard_group *gr, gint64 t,
    const struct guard_hit *h)
{
	struct guard_incident *inc = guard_incident_new(g, gr->kind, gr->name,
	    t);
	g_autoptr(GArray) earlier = g_array_new(FALSE, FALSE, sizeof(gint64));

	guard_chain(g, gr, inc, h->outcome, earlier, G_MAXINT64, G_MAXINT64);
	if (g->calls.opened != NULL)
		g->calls.opened(inc, earlier, g->data);
	return inc;
}

/* Close every open incident quiet since before now; forget old ones. */
static void
guard_close_quiet(struct guard *g, gint64 now)
{
	struct guard_incident *inc;
	guint i = 0;

	while (i < g->kept->len) {
		inc = g_ptr_array_index(g->kept, i);
		if (inc->closed == 0 && inc->last + g->conf.quiet <= now) {
			inc->closed = inc->last + g->conf.quiet;
			if (g->calls.closed != NULL)
				g->calls.closed(inc, g->data);
		}
		if (inc->closed == 0 || inc->closed > now - g->conf.late) {
			i++;
			continue;
		}
		g_ptr_array_remove_index(g->kept, i);
		guard_incident_free(inc);
	}
}

/* Count one hit in a group: in its window, and unless held, its baseline. */
static void
guard_count(struct guard *g, struct guard_group *gr,
    const struct guard_hit *h, int held)
{
	if (h->at > g->now - g->conf.window - g->conf.late)
		guard_remember(g, gr, h, !held);
	if (!held)
		guard_slot_add(gr, h->at / g->conf.window, 1);
	guard_slide(g, gr, g->now);
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
 * The kept incident of these groups whose time h falls in (the
 * provider's first: it is the wider): after its opening less a window,
 * before quiet seconds after its last outcome; open, or closed since.
 */
static struct guard_incident *
guard_cover(const struct guard *g, struct guard_group **grs,
    const struct guard_hit *h)
{
	struct guard_incident *inc;
	guint i;
	int k;

	for (k = 1; k >= 0; k--) {
		if (grs[k] == NULL)
			continue;
		for (i = 0; i < g->kept->len; i++) {
			inc = g_ptr_array_index(g->kept, i);
			if (inc->kind == grs[k]->kind &&
			    strcmp(inc->group, grs[k]->name) == 0 &&
			    h->at > inc->opened - g->conf.window &&
			    h->at <= MAX(inc->last, inc->opened) + g->conf.quiet)
				return inc;
		}
	}
	return NULL;
}

/*
 * h joined inc, which opened at opened and whose last outcome was at
 * last before h.  If h came late, the burst may have crossed earlier
 * than inc says (h is in windows before its opening), and a closed inc
 * may now reach outcomes that came while it was closed: tell the caller
 * what it holds anew.  An outcome in time order changes neither, and
 * costs no walk.
 */
static void
guard_grow(struct guard *g, struct guard_incident *inc,
    const struct guard_hit *h, gint64 opened, gint64 last)
{
	struct guard_group *gr;
	g_autoptr(GArray) added = NULL;
	gint64 t;

	if (h->at >= inc->opened && opened == inc->opened &&
	    (inc->closed == 0 || h->at <= last))
		return;
	gr = guard_group(g, inc->kind, inc->group);
	added = g_array_new(FALSE, FALSE, sizeof(gint64));
	if (h->at < inc->opened &&
	    (t = guard_first_crossing(g, gr, h->at, inc->opened)) >= 0)
		inc->opened = t;
	guard_chain(g, gr, inc, h->outcome, added, opened - g->conf.window,
	    MAX(last, opened) + g->conf.quiet);
	if ((added->len > 0 || opened != inc->opened) &&
	    g->calls.grown != NULL)
		g->calls.grown(inc, added, g->data);
}

/*
 * A crossing at t in gr: a new incident, or one of gr's kept incidents
 * opening earlier (h came late, before its window).
 */
static struct guard_incident *
guard_cross(struct guard *g, struct guard_group *gr, gint64 t,
    const struct guard_hit *h)
{
	struct guard_incident *inc;
	gint64 opened, last;
	guint i;

	for (i = 0; i < g->kept->len; i++) {
		inc = g_ptr_array_index(g->kept, i);
		if (inc->kind != gr->kind || strcmp(inc->group, gr->name) != 0 ||
		    inc->opened <= t || inc->first > t + g->conf.quiet)
			continue;
		opened = inc->opened;
		last = inc->last;
		inc->opened = t;
		guard_hold(g, inc, h->outcome, h->address, h->at,
		    h->diagnostic);
		guard_grow(g, inc, h, opened, last);
		return inc;
	}
	return guard_open(g, gr, t, h);
}

/*
 * The groups of h: its provider's, and its domain's unless the same (a
 * provider's own domain, bigmail.example's MX at bigmail.example, is one
 * group: the provider's).  With no host known (a sending service's
 * webhook names none), the provider whose hosts receive the domain's
 * mail by providers.tab, so that a burst at gmail.com reported partly by
 * mail (answered by google.com) and partly by a service is one; a
 * domain not listed is its own group.
 * Only the outcome and the table decide, never which groups this guard
 * happens to hold: two daemons on one database, one daemon before and
 * after a restart, an import in another order must all put an outcome
 * in the same group, or one burst opens two incidents, or none.  (The
 * groups held, or the outcomes stored, are each host's history: whether
 * bigmail.example had been seen answering for itself would decide.)  A
 * provider not listed has a burst reported both ways split in two; a
 * line in providers.tab, or in the site's [guard] providers file, mends
 * that.
 */
static void
guard_pick(struct guard *g, const struct guard_hit *h, const char *domain,
    struct guard_group **grs)
{
	const char *provider = h->provider;

	if (provider == NULL && domain != NULL)
		provider = provider_of_domain(domain);
	if (provider != NULL)
		grs[GUARD_PROVIDER] = guard_group(g, GUARD_PROVIDER, provider);
	if (domain != NULL && (provider == NULL ||
	    g_ascii_strcasecmp(provider, domain) != 0))
		grs[GUARD_DOMAIN] = guard_group(g, GUARD_DOMAIN, domain);
}

/*
 * Feed h to its groups (its provider, its domain unless the same): the
 * incident that holds it, or NULL.  A burst opens one incident, the
 * provider's when both cross, so that one provider's bad hour is one
 * incident however many of its domains it touched.  h counts by its own
 * time, however late it comes, as long as it is within [guard] late of
 * the newest outcome; later than that it joins an incident it falls in,
 * and counts in the baseline, but no window.
 */
static struct guard_incident *
guard_groups(struct guard *g, const struct guard_hit *h, int evaluate)
{
	g_autofree char *domain = guard_domain(h->address);
	struct guard_group *grs[2] = { NULL, NULL };
	struct guard_incident *inc;
	gint64 t, last;
	int k;

	if (h->at > g->now)
		g->now = h->at;
	guard_pick(g, h, domain, grs);
	if (evaluate)
		inc = guard_cover(g, grs, h);
	else
		inc = h->incident != 0 ? guard_kept(g, h->incident, 1) : NULL;
	for (k = 0; k < 2; k++)
		if (grs[k] != NULL)
			guard_count(g, grs[k], h, inc != NULL || h->incident);
	if (inc != NULL) {
		last = inc->last;
		guard_hold(g, inc, h->outcome, h->address, h->at,
		    h->diagnostic);
		if (evaluate)
			guard_grow(g, inc, h, inc->opened, last);
		return inc;
	}
	if (!evaluate) {
		if (h->incident != 0)	/* by one no longer kept */
			guard_mark(g, h->outcome, h->at, -1);
		return NULL;
	}
	if (h->at <= g->now - g->conf.late)
		return NULL;
	for (k = 1; k >= 0; k--)
		if (grs[k] != NULL && (t = guard_first_crossing(g, grs[k],
		    h->at, h->at + g->conf.window)) >= 0)
			return guard_cross(g, grs[k], t, h);
	return NULL;
}

/*
 * One hard outcome, in any order: the incident that holds it, or NULL.
 * Incidents quiet since before the newest outcome close first.
 */
struct guard_incident *
guard_hard(struct guard *g, const struct guard_hit *h)
{
	guard_close_quiet(g, MAX(h->at, g->now));
	return guard_groups(g, h, 1);
}

/*
 * One hard outcome decided before (a restart): counted, never opening
 * anything.  Kept incidents come first, through guard_adopt().
 */
void
guard_restore(struct guard *g, const struct guard_hit *h)
{
	guard_groups(g, h, 0);
}

/* An incident the store has open (closed 0) or closed lately. */
void
guard_adopt(struct guard *g, gint64 id, enum guard_kind kind,
    const char *group, gint64 opened, gint64 first, gint64 last,
    gint64 closed)
{
	struct guard_incident *inc = guard_incident_new(g, kind, group,
	    opened);

	guard_group(g, kind, group);
	inc->id = id;
	inc->first = first;
	inc->last = last;
	inc->closed = closed;
	/* guard_restore() counts its outcomes and addresses back. */
}

/* An incident closed elsewhere (by an operator): forget it, no call. */
void
guard_drop(struct guard *g, struct guard_incident *inc)
{
	g_ptr_array_remove(g->kept, inc);
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

	if (now > g->now)
		g->now = now;
	guard_close_quiet(g, g->now);
	for (k = 0; k < 2; k++) {
		g_hash_table_iter_init(&it, g->groups[k]);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			struct guard_group *gr = v;

			guard_slide(g, gr, g->now);
			if (g_sequence_is_empty(gr->recent) &&
			    gr->slots.length == 0)
				g_hash_table_iter_remove(&it);
		}
	}
}

guint
guard_open_count(const struct guard *g)
{
	guint i, n = 0;

	for (i = 0; i < g->kept->len; i++)
		if (((struct guard_incident *)g_ptr_array_index(g->kept,
		    i))->closed == 0)
			n++;
	return n;
}

/*
 * The caller's id of the incident that holds outcome: 0 for none, -1
 * for one no longer kept.  The store checks with it that a guard fed
 * another writer's outcomes decided as that writer's did.
 */
gint64
guard_holder(const struct guard *g, gint64 outcome)
{
	gint64 key = guard_held_by(g, outcome);
	const struct guard_incident *inc;

	if (key <= 0)
		return key;
	inc = guard_kept(g, key, 0);
	return inc != NULL ? inc->id : -1;
}
