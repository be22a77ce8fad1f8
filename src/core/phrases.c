/*
 * phrases.c: case-insensitive phrase matching in linear time.
 *
 * The tables live in phrases.tab, embedded at build time as phrases_tab:
 * a line "[section label]" opens a group, each following line is one
 * phrase.  Where phrases end at the same place, the longest wins ("not
 * listed in" over "listed in"); elsewhere the phrase that comes first
 * in the file wins, so the file is ordered by trust.
 *
 * Each section is compiled once into an Aho-Corasick automaton over a
 * small alphabet (the bytes phrases use; every other byte is one class),
 * so matching reads each byte of the text once and never backtracks,
 * whatever a hostile bounce contains.  ASCII letters fold to lower case;
 * runs of white space (including line ends) count as one space.  A
 * phrase matches from the start of a word ("locked" is not found in
 * "blocked"), and may end inside one ("block" finds "blocked").
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "phrases.h"

extern const char phrases_tab[];

#define PHRASE_NONE	G_MAXUINT

struct phrase {
	char	*label;
	char	*text;		/* as shown: lower case, spaces collapsed */
	char	*keys;		/* as matched: text with word-start marks */
};

/* Marks the start of a word, so that "locked" does not match "blocked". */
#define WORD_MARK	'\001'
#define IS_WORD(c)	(g_ascii_isalnum(c))

/*
 * A state is the offset of its row in rows: the lowest phrase index
 * ending there (or NONE) in its first cell, then for each class of
 * byte the offset of the next state's row.  Offsets rather than state
 * numbers spare a multiplication at every byte, and the best phrase
 * lies beside the transitions, often in the same cache line (the
 * "diagnostic" table is larger than the cache).
 */
#define CELL_BEST	0		/* the cell of the best phrase */
#define CLASS_OTHER	1		/* the class of bytes no phrase has */

struct automaton {
	GPtrArray	*phrases;	/* of struct phrase *, in file order */
	guint8		 class[256];	/* byte -> alphabet class: its cell */
	guint		 nclass;	/* cells of a row, CELL_BEST included */
	GArray		*rows;		/* of guint, a row per state */
	GArray		*fail;		/* state / nclass -> failure state
					   (build only) */
};

/*
 * Built once, by the first phrases_init() (g_once: worker threads may
 * race to it), then only read, by any thread.
 */
static gsize phrases_ready;
static GHashTable *phrases_sections;	/* name -> struct automaton * */

static guint8 phrases_folded[256];	/* byte -> folded byte */

/* What a byte is to phrases_run, a table lookup. */
#define KIND_SPACE	0x1		/* folds to a space */
#define KIND_WORD	0x2		/* IS_WORD */
static guint8 phrases_kinds[256];

static void
phrases_fold_init(void)
{
	int c;

	for (c = 0; c < 256; c++) {
		phrases_folded[c] = (c == '\t' || c == '\r' || c == '\n') ? ' ' :
		    (guint8)g_ascii_tolower((char)c);
		phrases_kinds[c] = (phrases_folded[c] == ' ' ? KIND_SPACE : 0) |
		    (IS_WORD(phrases_folded[c]) ? KIND_WORD : 0);
	}
}

/* Lower-case ASCII, and every line end or tab a space: a table lookup. */
static inline guint8
phrases_fold(guint8 c)
{
	return phrases_folded[c];
}

static void
phrase_free(gpointer p)
{
	struct phrase *ph = p;

	g_free(ph->label);
	g_free(ph->text);
	g_free(ph->keys);
	g_free(ph);
}

static void
automaton_free(gpointer p)
{
	struct automaton *a = p;

	g_ptr_array_unref(a->phrases);
	if (a->rows != NULL)
		g_array_free(a->rows, TRUE);
	g_free(a);
}

#define NEXT(a, s, c)	g_array_index((a)->rows, guint, (s) + (c))
#define BEST(a, s)	NEXT(a, s, CELL_BEST)
#define FAIL(a, s)	g_array_index((a)->fail, guint, (s) / (a)->nclass)

static guint
automaton_new_state(struct automaton *a)
{
	guint zero = 0, state = a->rows->len;

	/* A row of transitions to state 0 (the array clears what it grows). */
	g_array_set_size(a->rows, a->rows->len + a->nclass);
	BEST(a, state) = PHRASE_NONE;
	g_array_append_val(a->fail, zero);
	return state;
}

static void
automaton_alphabet(struct automaton *a)
{
	const guint8 *p;
	guint i;

	memset(a->class, 0, sizeof a->class);
	a->nclass = CLASS_OTHER + 1;
	for (i = 0; i < a->phrases->len; i++) {
		struct phrase *ph = g_ptr_array_index(a->phrases, i);

		for (p = (const guint8 *)ph->keys; *p != '\0'; p++)
			if (a->class[*p] == 0)
				a->class[*p] = a->nclass++;
	}
	for (i = 0; i < 256; i++)
		a->class[i] = a->class[phrases_fold((guint8)i)];
	for (i = 0; i < 256; i++)
		if (a->class[i] == 0)
			a->class[i] = CLASS_OTHER;
}

/* The trie of all phrases, each end state marked with its index. */
static void
automaton_trie(struct automaton *a)
{
	const guint8 *p;
	guint i, s, c, t;

	automaton_new_state(a);
	for (i = 0; i < a->phrases->len; i++) {
		struct phrase *ph = g_ptr_array_index(a->phrases, i);

		for (s = 0, p = (const guint8 *)ph->keys; *p != '\0'; p++) {
			c = a->class[*p];
			if (NEXT(a, s, c) == 0) {
				/* Appending may move the array: no lvalue across it. */
				t = automaton_new_state(a);
				NEXT(a, s, c) = t;
			}
			s = NEXT(a, s, c);
		}
		if (BEST(a, s) == PHRASE_NONE)
			BEST(a, s) = i;
	}
}

/*
 * Breadth first: failure links, full transitions, best match per state.
 * Every cell of every state is visited, thousands of states for the
 * "diagnostic" table at every start: plain arrays, and a queue of one
 * slot per state (each is queued once, by its parent in the trie).
 */
static void
automaton_links(struct automaton *a)
{
	guint *rows = (guint *)(void *)a->rows->data;	/* not grown here */
	guint *fail = (guint *)(void *)a->fail->data;
	guint n = a->nclass, head = 0, tail = 0, s, c, t, f;
	guint *queue = g_new(guint, a->fail->len);

	for (c = CLASS_OTHER; c < n; c++)
		if ((t = rows[c]) != 0)
			queue[tail++] = t;
	while (head < tail) {
		s = queue[head++];
		f = fail[s / n];
		/* A phrase ending here beats the shorter ones it contains. */
		if (rows[s + CELL_BEST] == PHRASE_NONE)
			rows[s + CELL_BEST] = rows[f + CELL_BEST];
		for (c = CLASS_OTHER; c < n; c++) {
			t = rows[s + c];
			if (t == 0) {
				rows[s + c] = rows[f + c];
				continue;
			}
			fail[t / n] = rows[f + c];
			queue[tail++] = t;
		}
	}
	g_free(queue);
}

static void
automaton_build(struct automaton *a)
{
	automaton_alphabet(a);
	a->rows = g_array_new(FALSE, TRUE, sizeof(guint));
	a->fail = g_array_new(FALSE, FALSE, sizeof(guint));
	automaton_trie(a);
	automaton_links(a);
	g_array_free(a->fail, TRUE);
	a->fail = NULL;
}

static struct automaton *
phrases_section(const char *name)
{
	struct automaton *a = g_hash_table_lookup(phrases_sections, name);

	if (a == NULL) {
		a = g_new0(struct automaton, 1);
		a->phrases = g_ptr_array_new_with_free_func(phrase_free);
		g_hash_table_insert(phrases_sections, g_strdup(name), a);
	}
	return a;
}

/* Lower-case, one space for each run of white space, trimmed. */
static char *
phrases_canon(const char *line)
{
	GString *out = g_string_new(NULL);
	const char *p;

	for (p = line; *p != '\0'; p++) {
		guint8 c = phrases_fold((guint8)*p);

		if (c == ' ' && (out->len == 0 || out->str[out->len - 1] == ' '))
			continue;
		g_string_append_c(out, (char)c);
	}
	if (out->len > 0 && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	return g_string_free(out, FALSE);
}

/* The phrase with WORD_MARK before each ASCII word (see phrases_run). */
static char *
phrases_keys(const char *text)
{
	GString *out = g_string_new(NULL);
	const char *p;

	for (p = text; *p != '\0'; p++) {
		if (IS_WORD(*p) && (p == text || !IS_WORD(p[-1])))
			g_string_append_c(out, WORD_MARK);
		g_string_append_c(out, *p);
	}
	return g_string_free(out, FALSE);
}

static void
phrases_load(void)
{
	g_auto(GStrv) lines = g_strsplit(phrases_tab, "\n", -1);
	g_auto(GStrv) head = NULL;
	struct automaton *a = NULL;
	const char *label = NULL;
	struct phrase *ph;
	guint i;

	for (i = 0; lines[i] != NULL; i++) {
		char *line = g_strstrip(lines[i]);

		if (line[0] == '\0')
			continue;
		if (line[0] == '[' && line[strlen(line) - 1] == ']') {
			line[strlen(line) - 1] = '\0';
			g_strfreev(head);
			head = g_strsplit_set(line + 1, " \t", 2);
			a = phrases_section(head[0]);
			label = head[1] != NULL ? g_strstrip(head[1]) : "";
			continue;
		}
		if (a == NULL)
			continue;
		ph = g_new0(struct phrase, 1);
		ph->label = g_strdup(label);
		ph->text = phrases_canon(line);
		ph->keys = phrases_keys(ph->text);
		g_ptr_array_add(a->phrases, ph);
	}
}

void
phrases_init(void)
{
	GHashTableIter iter;
	gpointer value;

	if (!g_once_init_enter(&phrases_ready))
		return;
	phrases_fold_init();
	phrases_sections = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, automaton_free);
	phrases_load();
	g_hash_table_iter_init(&iter, phrases_sections);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		automaton_build(value);
	g_once_init_leave(&phrases_ready, 1);
}

/* With no other thread left to match: a later phrases_init() rebuilds. */
void
phrases_shutdown(void)
{
	if (phrases_sections != NULL)
		g_hash_table_destroy(phrases_sections);
	phrases_sections = NULL;
	phrases_ready = 0;
}

/*
 * Run text through the automaton of section.  Where a phrase ends, call
 * each (unless NULL) with the most trusted phrase ending there and the
 * offset just past it; stop early when each returns 0.  Returns the
 * index of the most trusted phrase seen, or PHRASE_NONE.
 */
static guint
phrases_run(struct automaton *a, const char *text, phrases_each_fn each,
    void *arg)
{
	/* In locals: each may write memory, so a->... would be read anew. */
	const guint *rows = (const guint *)a->rows->data;
	const guint8 *class = a->class;
	guint mark = class[WORD_MARK];
	const guint8 *p;
	guint s = 0, best = PHRASE_NONE, c, kind, prev = KIND_SPACE;
	struct phrase *ph;

	for (p = (const guint8 *)text; (c = *p) != '\0'; p++) {
		kind = phrases_kinds[c];
		if (kind & prev & KIND_SPACE)
			continue;
		if (kind & ~prev & KIND_WORD)	/* a word starts */
			s = rows[s + mark];
		prev = kind;
		s = rows[s + class[c]];
		if (G_LIKELY(rows[s + CELL_BEST] == PHRASE_NONE))
			continue;
		if (rows[s + CELL_BEST] < best)
			best = rows[s + CELL_BEST];
		if (each == NULL)
			continue;
		ph = g_ptr_array_index(a->phrases, rows[s + CELL_BEST]);
		if (!each(arg, ph->label, ph->text,
		    (const char *)p + 1 - text))
			break;
	}
	return best;
}

static struct automaton *
phrases_automaton(const char *section, const char *text)
{
	phrases_init();
	if (text == NULL)
		return NULL;
	return g_hash_table_lookup(phrases_sections, section);
}

/*
 * The label of the most trusted phrase of section found in text, or
 * NULL.  *phrase_r, when given, gets the phrase itself.
 */
const char *
phrases_find(const char *section, const char *text, const char **phrase_r)
{
	struct automaton *a = phrases_automaton(section, text);
	struct phrase *ph;
	guint best;

	if (a == NULL ||
	    (best = phrases_run(a, text, NULL, NULL)) == PHRASE_NONE)
		return NULL;
	ph = g_ptr_array_index(a->phrases, best);
	if (phrase_r != NULL)
		*phrase_r = ph->text;
	return ph->label;
}

/* Every place in text where a phrase of section ends, in text order. */
void
phrases_each(const char *section, const char *text, phrases_each_fn each,
    void *arg)
{
	struct automaton *a = phrases_automaton(section, text);

	if (a != NULL)
		phrases_run(a, text, each, arg);
}

void
phrases_labels(const char *section, void (*fn)(void *, const char *),
    void *arg)
{
	struct automaton *a;
	guint i;

	phrases_init();
	if ((a = g_hash_table_lookup(phrases_sections, section)) == NULL)
		return;
	for (i = 0; i < a->phrases->len; i++)
		fn(arg, ((struct phrase *)g_ptr_array_index(a->phrases,
		    i))->label);
}
