/*
 * phrases.c: case-insensitive phrase matching in linear time.
 *
 * The phrases of phrases.tab are compiled at build time (phrases_gen.c)
 * into one Aho-Corasick automaton a section, const tables in the binary
 * (phrases_int.h says how they are laid out): nothing is built or
 * allocated here, so a process matches from its first instruction and
 * any thread may.  Matching reads each byte of the text once and never
 * backtracks, whatever a hostile bounce contains.  ASCII letters fold to
 * lower case; runs of white space (including line ends) count as one
 * space.  A phrase matches from the start of a word ("locked" is not
 * found in "blocked"), and may end inside one ("block" finds
 * "blocked").  Where phrases end at the same place, the longest wins;
 * elsewhere the one first in the file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "phrases.h"
#include "phrases_int.h"

/* The state a scan in state s (a reference) moves to on class c. */
static inline uint32_t
phrases_step(const uint32_t *cells, uint32_t s, uint32_t c)
{
	const uint32_t *e, *end;

	while (G_UNLIKELY(s & REF_SPARSE)) {
		e = cells + (s & REF_OFFSET) + CELL_EDGE0;
		for (end = e + e[CELL_EDGES - CELL_EDGE0]; e < end; e++)
			if (*e >> EDGE_SHIFT == c)
				return *e & EDGE_CHILD;
		s = cells[(s & REF_OFFSET) + CELL_FAIL];
	}
	return cells[(s & REF_OFFSET) + CELL_ROW + c];
}

static int
phrases_cmp(const void *key, const void *a)
{
	return strcmp(key, phrases_pool +
	    ((const struct phrases_automaton *)a)->section);
}

/* The automaton of section, or NULL. */
static const struct phrases_automaton *
phrases_automaton(const char *section)
{
	return bsearch(section, phrases_automata, phrases_nautomata,
	    sizeof *phrases_automata, phrases_cmp);
}

/*
 * Run text through automaton a.  Where a phrase ends, call each (unless
 * NULL) with the most trusted phrase ending there and the offset just
 * past it; stop early when each returns 0.  Returns the index of the
 * most trusted phrase seen, or PHRASES_NONE.
 */
static uint32_t
phrases_run(const struct phrases_automaton *a, const char *text,
    phrases_each_fn each, void *arg)
{
	const uint32_t *cells = phrases_cells + a->cell0;
	const uint8_t *class = a->class, *p;
	uint32_t s = 0, i, best = PHRASES_NONE;
	const struct phrases_phrase *ph;

	for (p = (const uint8_t *)text; *p != '\0'; p++) {
		s = phrases_step(cells, s, class[*p]);
		if (G_LIKELY(!(s & REF_BEST)))
			continue;
		if ((i = cells[(s & REF_OFFSET) + CELL_BEST]) < best)
			best = i;
		if (each == NULL)
			continue;
		ph = &phrases_list[a->phrase0 + i];
		if (!each(arg, phrases_pool + ph->label,
		    phrases_pool + ph->text, (const char *)p + 1 - text))
			break;
	}
	return best;
}

/*
 * The label of the most trusted phrase of section found in text, or
 * NULL.  *phrase_r, when given, gets the phrase itself.
 */
const char *
phrases_find(const char *section, const char *text, const char **phrase_r)
{
	const struct phrases_automaton *a;
	const struct phrases_phrase *ph;
	uint32_t best;

	if (text == NULL || (a = phrases_automaton(section)) == NULL ||
	    (best = phrases_run(a, text, NULL, NULL)) == PHRASES_NONE)
		return NULL;
	ph = &phrases_list[a->phrase0 + best];
	if (phrase_r != NULL)
		*phrase_r = phrases_pool + ph->text;
	return phrases_pool + ph->label;
}

/* Every place in text where a phrase of section ends, in text order. */
void
phrases_each(const char *section, const char *text, phrases_each_fn each,
    void *arg)
{
	const struct phrases_automaton *a;

	if (text != NULL && (a = phrases_automaton(section)) != NULL)
		phrases_run(a, text, each, arg);
}

void
phrases_labels(const char *section, void (*fn)(void *, const char *),
    void *arg)
{
	const struct phrases_automaton *a = phrases_automaton(section);
	uint32_t i;

	for (i = 0; a != NULL && i < a->nphrase; i++)
		fn(arg, phrases_pool + phrases_list[a->phrase0 + i].label);
}
