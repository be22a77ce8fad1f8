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
 * small alphabet (the bytes phrases use; every other byte is one of two
 * classes, a word's or not), so matching reads each byte of the text
 * once and never backtracks, whatever a hostile bounce contains.  ASCII
 * letters fold to lower case; runs of white space (including line ends)
 * count as one space.  A phrase matches from the start of a word
 * ("locked" is not found in "blocked"), and may end inside one ("block"
 * finds "blocked").
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
 * A state is the offset of its cells in cells: first the lowest phrase
 * index ending there (or NONE), then how it moves on a class of byte.
 * The word marks and the runs of white space are in the moves, not in
 * the scan: a state knows what its last byte was (two roots: after a
 * word's byte, and after anything else), so a word's first byte moves
 * through the mark at once, and a space after a space stays put.  The
 * scan is one move a byte.
 *
 * The states near the root, where a scan spends most of its bytes, are
 * dense: a cell per class, the next state's offset, one load a byte.
 * Deeper states, nearly all on the way through one phrase, are sparse:
 * their failure state, then their own moves alone, each a class in the
 * top byte and the next state's offset below; a class with no move of
 * its own goes on from the failure state, shallower, ending at a dense
 * one.  Dense rows for every state of the "diagnostic" table took
 * 5.6 MB, built and zeroed page by page at every start; the sparse ones
 * take a few hundred kB.  Each byte still lands on the state a full
 * automaton would, so a scan reads each byte once, never backtracks,
 * and follows at most two failure links for each byte it has read.
 */
#define CELL_BEST	0		/* the cell of the best phrase */
#define CELL_EDGES	1		/* a sparse state's count of moves */
#define CELL_FAIL	2		/* a sparse state's failure state */
#define CELL_EDGE0	3		/* a sparse state's first move */
#define CELL_ROW	1		/* + class: a dense state's move */
#define DENSE		G_MAXUINT	/* CELL_EDGES of a dense state */
#define DENSE_DEPTH	1		/* states this near the root are dense */
#define EDGE_SHIFT	24		/* a move: class << 24 | next state */
#define EDGE_CHILD	((1u << EDGE_SHIFT) - 1)

/* Classes of every automaton (0 is CELL_EDGES); phrases' bytes follow. */
#define CLASS_OTHER	1		/* a byte no phrase has, not a word's */
#define CLASS_OTHER_WORD 2		/* a byte no phrase has, a word's */
#define CLASS_SPACE	3		/* white space */
#define CLASS_FIRST	4

/* What the bytes of a class are, so what the next byte does after one. */
#define KIND_OTHER	0
#define KIND_SPACE	1
#define KIND_WORD	2

/* An edge of the trie, in the list of its parent's. */
struct edge {
	guint	class;
	guint	child;		/* the child's state */
	guint	next;		/* the parent's next edge, or PHRASE_NONE */
};

/* A state of the trie. */
struct trie_state {
	guint	first;		/* its first edge, or PHRASE_NONE */
	guint	best;		/* its phrase, or PHRASE_NONE */
	guint	depth;
	guint	via;		/* the class that led to it */
};

struct automaton {
	GPtrArray	*phrases;	/* of struct phrase *, in file order */
	guint8		 class[256];	/* byte -> alphabet class: its cell */
	guint8		 kind[256];	/* class -> KIND_* */
	guint		 nclass;	/* classes, CELL_EDGES's 0 included */
	guint		*cells;		/* the states, the root at 0 */
	/* The trie (build only). */
	GArray		*edges;		/* of struct edge */
	GArray		*states;	/* of struct trie_state */
};

#define TRIE(a, name, s)	g_array_index((a)->states, struct trie_state, (s)).name
#define EDGE(a, i)		g_array_index((a)->edges, struct edge, (i))

/*
 * Built once, by the first phrases_init() (g_once: worker threads may
 * race to it), then only read, by any thread.
 */
static gsize phrases_ready;
static GHashTable *phrases_sections;	/* name -> struct automaton * */

static guint8 phrases_folded[256];	/* byte -> folded byte */

static void
phrases_fold_init(void)
{
	int c;

	for (c = 0; c < 256; c++)
		phrases_folded[c] = (c == '\t' || c == '\r' || c == '\n') ? ' ' :
		    (guint8)g_ascii_tolower((char)c);
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
	g_free(a->cells);
	g_free(a);
}

/* A new state of the trie: its number (cells come with automaton_links). */
static guint
automaton_new_state(struct automaton *a, guint depth, guint via)
{
	struct trie_state t = { PHRASE_NONE, PHRASE_NONE, depth, via };

	g_array_append_val(a->states, t);
	return a->states->len - 1;
}

static void
automaton_alphabet(struct automaton *a)
{
	const guint8 *p;
	guint i, f;

	memset(a->class, 0, sizeof a->class);
	a->class[' '] = CLASS_SPACE;
	a->nclass = CLASS_FIRST;
	for (i = 0; i < a->phrases->len; i++) {
		struct phrase *ph = g_ptr_array_index(a->phrases, i);

		for (p = (const guint8 *)ph->keys; *p != '\0'; p++)
			if (a->class[*p] == 0)
				a->class[*p] = a->nclass++;
	}
	g_assert(a->nclass <= 256);	/* a move keeps its class in a byte */
	for (i = 0; i < 256; i++) {
		f = phrases_fold((guint8)i);
		a->class[i] = a->class[f] != 0 ? a->class[f] :
		    IS_WORD(f) ? CLASS_OTHER_WORD : CLASS_OTHER;
		a->kind[a->class[i]] = f == ' ' ? KIND_SPACE :
		    IS_WORD(f) ? KIND_WORD : KIND_OTHER;
	}
}

/*
 * The child of trie state s by class c, made if new.  The trie is kept
 * as lists of edges, not rows: most of its states have one child, and
 * rows of a cell per class would be cleared only to be copied.
 */
static guint
automaton_child(struct automaton *a, guint s, guint c)
{
	struct edge e;
	guint i;

	for (i = TRIE(a, first, s); i != PHRASE_NONE;
	    i = g_array_index(a->edges, struct edge, i).next)
		if (g_array_index(a->edges, struct edge, i).class == c)
			return g_array_index(a->edges, struct edge, i).child;
	e.class = c;
	e.child = automaton_new_state(a,
	    TRIE(a, depth, s) + 1, c);
	e.next = TRIE(a, first, s);
	TRIE(a, first, s) = a->edges->len;
	g_array_append_val(a->edges, e);
	return e.child;
}

/* The trie of all phrases, each end state marked with its index. */
static void
automaton_trie(struct automaton *a)
{
	const guint8 *p;
	guint i, s;

	automaton_new_state(a, 0, CLASS_SPACE);
	for (i = 0; i < a->phrases->len; i++) {
		struct phrase *ph = g_ptr_array_index(a->phrases, i);

		s = 0;
		for (p = (const guint8 *)ph->keys; *p != '\0'; p++)
			s = automaton_child(a, s, a->class[*p]);
		if (TRIE(a, best, s) == PHRASE_NONE)
			TRIE(a, best, s) = i;
	}
}

/* The state a scan in state s moves to on class c. */
static inline guint
automaton_step(const guint *cells, guint s, guint c)
{
	const guint *e, *end;

	for (;;) {
		if (G_LIKELY(cells[s + CELL_EDGES] == DENSE))
			return cells[s + CELL_ROW + c];
		e = cells + s + CELL_EDGE0;
		for (end = e + cells[s + CELL_EDGES]; e < end; e++)
			if (*e >> EDGE_SHIFT == c)
				return *e & EDGE_CHILD;
		s = cells[s + CELL_FAIL];
	}
}


/* The trie's child of s by class c, or PHRASE_NONE. */
static guint
automaton_goto(struct automaton *a, guint s, guint c)
{
	guint i;

	for (i = TRIE(a, first, s); i != PHRASE_NONE; i = EDGE(a, i).next)
		if (EDGE(a, i).class == c)
			return EDGE(a, i).child;
	return PHRASE_NONE;
}

/*
 * Failure links over the trie, breadth first: the longest proper suffix
 * of a state's keys that is a state too.  A state's best phrase becomes
 * its own, else its failure state's (shallower, so settled before).
 * Most searches end at the root, whose children (dozens) are looked up
 * in a table rather than in their list.
 */
static void
automaton_fail(struct automaton *a, guint *fail)
{
	guint *queue = g_new(guint, a->states->len), root[256];
	guint head = 0, tail = 1, i, s, t, f, g, c;

	for (c = 0; c < 256; c++)
		root[c] = automaton_goto(a, 0, c);
	queue[0] = 0;
	fail[0] = 0;
	while (head < tail) {
		s = queue[head++];
		for (i = TRIE(a, first, s); i != PHRASE_NONE;
		    i = EDGE(a, i).next) {
			c = EDGE(a, i).class;
			t = EDGE(a, i).child;
			g = PHRASE_NONE;
			for (f = fail[s]; s != 0 && f != 0 && (g =
			    automaton_goto(a, f, c)) == PHRASE_NONE; f = fail[f])
				;
			if (s != 0 && f == 0)
				g = root[c];
			fail[t] = g != PHRASE_NONE ? g : 0;
			if (TRIE(a, best, t) == PHRASE_NONE)
				TRIE(a, best, t) = TRIE(a, best, fail[t]);
			queue[tail++] = t;
		}
	}
	g_free(queue);
}

typedef void (*move_fn)(void *arg, guint class, guint to);

/*
 * The moves trie state s makes of its own, before its failure state's,
 * where kind is what its last byte was: to each child; when no word's
 * byte came last, on a word's byte through the word mark to the mark's
 * child (the mark the scan would have put before it); and after a
 * space, on another space, to self (the collapsed run).
 */
static void
automaton_moves(struct automaton *a, guint s, guint kind, guint self,
    move_fn fn, void *arg)
{
	guint mark = a->class[WORD_MARK], i, j, m;

	for (i = TRIE(a, first, s); i != PHRASE_NONE; i = EDGE(a, i).next) {
		fn(arg, EDGE(a, i).class, EDGE(a, i).child);
		if (EDGE(a, i).class != mark || kind == KIND_WORD)
			continue;
		m = EDGE(a, i).child;
		for (j = TRIE(a, first, m); j != PHRASE_NONE;
		    j = EDGE(a, j).next)
			fn(arg, EDGE(a, j).class, EDGE(a, j).child);
	}
	if (kind == KIND_SPACE)
		fn(arg, CLASS_SPACE, self);
}

static void
automaton_count(void *arg, guint class, guint to)
{
	(*(guint *)arg)++;
}

/* The root after a word's byte: numbered after the trie's states. */
#define ROOT_WORD(a)	((a)->states->len)

static gboolean
automaton_dense(struct automaton *a, guint s)
{
	return s == ROOT_WORD(a) || TRIE(a, depth, s) <= DENSE_DEPTH;
}

static guint
automaton_kind(struct automaton *a, guint s)
{
	return a->kind[TRIE(a, via, s)];
}

/*
 * Each state's offset in cells: the dense ones first, together, then
 * the others in the trie's order, a phrase's states one after the
 * other.  Returns the count of cells.
 */
static guint
automaton_place(struct automaton *a, guint *at)
{
	guint s, n = 0, moves;
	int dense;

	for (dense = 1; dense >= 0; dense--)
		for (s = 0; s <= ROOT_WORD(a); s++) {
			if (automaton_dense(a, s) != dense)
				continue;
			at[s] = n;
			moves = 0;
			if (!dense)
				automaton_moves(a, s, automaton_kind(a, s), s,
				    automaton_count, &moves);
			n += dense ? CELL_ROW + a->nclass : CELL_EDGE0 + moves;
		}
	g_assert(n <= EDGE_CHILD);
	return n;
}

/* Where moves are written: a dense row, or a sparse state's list. */
struct automaton_out {
	guint		*cells;
	const guint	*at;		/* state -> its offset */
	guint		 o;		/* the state's offset */
	guint		 n;		/* sparse: moves written */
};

static void
automaton_put_dense(void *arg, guint class, guint to)
{
	struct automaton_out *w = arg;

	w->cells[w->o + CELL_ROW + class] = w->at[to];
}

static void
automaton_put_sparse(void *arg, guint class, guint to)
{
	struct automaton_out *w = arg;

	w->cells[w->o + CELL_EDGE0 + w->n++] = class << EDGE_SHIFT | w->at[to];
}

/*
 * A root's row (r: the trie's root, or ROOT_WORD): a word's byte with
 * no move leads to the root after a word, any other to the first root.
 */
static void
automaton_root(struct automaton *a, const guint *at, guint r, guint kind)
{
	struct automaton_out w = { a->cells, at, at[r], 0 };
	guint c;

	a->cells[w.o + CELL_BEST] = TRIE(a, best, 0);
	a->cells[w.o + CELL_EDGES] = DENSE;
	for (c = CLASS_OTHER; c < a->nclass; c++)
		a->cells[w.o + CELL_ROW + c] =
		    at[a->kind[c] == KIND_WORD ? ROOT_WORD(a) : 0];
	automaton_moves(a, 0, kind, r, automaton_put_dense, &w);
}

/*
 * Trie state s: a dense row starts as its failure state's (a root) and
 * takes its own moves; a sparse state keeps its failure state and its
 * own moves.  A failure to the trie's root is to the root of s's kind.
 */
static void
automaton_state(struct automaton *a, const guint *at, const guint *fail,
    guint s)
{
	struct automaton_out w = { a->cells, at, at[s], 0 };
	guint kind = automaton_kind(a, s), f;

	f = fail[s] != 0 ? at[fail[s]] :
	    at[kind == KIND_WORD ? ROOT_WORD(a) : 0];
	a->cells[w.o + CELL_BEST] = TRIE(a, best, s);
	if (automaton_dense(a, s)) {
		a->cells[w.o + CELL_EDGES] = DENSE;
		memcpy(a->cells + w.o + CELL_ROW + CLASS_OTHER,
		    a->cells + f + CELL_ROW + CLASS_OTHER,
		    (a->nclass - CLASS_OTHER) * sizeof *a->cells);
		automaton_moves(a, s, kind, s, automaton_put_dense, &w);
		return;
	}
	a->cells[w.o + CELL_FAIL] = f;
	automaton_moves(a, s, kind, s, automaton_put_sparse, &w);
	a->cells[w.o + CELL_EDGES] = w.n;
}

/* The cells from the trie: roots first, whose rows the others copy. */
static void
automaton_links(struct automaton *a)
{
	guint nstate = a->states->len, s;
	guint *fail = g_new(guint, nstate);	/* trie state -> its failure */
	guint *at = g_new(guint, nstate + 1);	/* state -> its offset */

	automaton_fail(a, fail);
	a->cells = g_new(guint, automaton_place(a, at));
	automaton_root(a, at, 0, KIND_SPACE);
	automaton_root(a, at, ROOT_WORD(a), KIND_WORD);
	for (s = 1; s < nstate; s++)
		automaton_state(a, at, fail, s);
	g_free(fail);
	g_free(at);
}

static void
automaton_build(struct automaton *a)
{
	automaton_alphabet(a);
	a->edges = g_array_new(FALSE, FALSE, sizeof(struct edge));
	a->states = g_array_new(FALSE, FALSE, sizeof(struct trie_state));
	automaton_trie(a);
	automaton_links(a);
	g_array_free(a->edges, TRUE);
	g_array_free(a->states, TRUE);
	a->edges = a->states = NULL;
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
	const guint *cells = a->cells;
	const guint8 *class = a->class, *p;
	guint s = 0, best = PHRASE_NONE;
	struct phrase *ph;

	for (p = (const guint8 *)text; *p != '\0'; p++) {
		s = automaton_step(cells, s, class[*p]);
		if (G_LIKELY(cells[s + CELL_BEST] == PHRASE_NONE))
			continue;
		if (cells[s + CELL_BEST] < best)
			best = cells[s + CELL_BEST];
		if (each == NULL)
			continue;
		ph = g_ptr_array_index(a->phrases, cells[s + CELL_BEST]);
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
