/*
 * phrases_gen.c: compile phrases.tab into Aho-Corasick automata, as C.
 *
 * Usage: phrases_gen phrases.tab > phrases_tab.c
 *
 * make runs it on the build machine: plain C and stdio, no GLib, since
 * a cross build has the target's libraries only.  It writes each
 * section's phrases and cells (phrases_int.h) as const arrays, so that
 * a process starting rebound reads them from its binary and builds
 * nothing (it took about 2 ms at each start, in every rebound-mail the
 * MDA runs).
 *
 * phrases.tab: a line "[section label]" opens a group, each following
 * line is one phrase; blank lines and lines starting with # are
 * skipped.  Where phrases end at the same place, the longest wins ("not
 * listed in" over "listed in"); elsewhere the phrase that comes first in
 * the file wins, so the file is ordered by trust.
 *
 * Each section becomes an automaton over a small alphabet (the bytes
 * phrases use; every other byte is one of two classes, a word's or
 * not).  ASCII letters fold to lower case; runs of white space
 * (including line ends) count as one space.  A phrase matches from the
 * start of a word ("locked" is not found in "blocked"), and may end
 * inside one ("block" finds "blocked").  Sparse rows keep the tables
 * small: dense rows for every state of "diagnostic" took 5.6 MB.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "phrases_int.h"

/* Marks the start of a word, so that "locked" does not match "blocked". */
#define WORD_MARK	'\001'
#define DENSE_DEPTH	2		/* states this near the root are dense */

/* Classes of every automaton (0 is CELL_EDGES); phrases' bytes follow. */
#define CLASS_OTHER	1		/* a byte no phrase has, not a word's */
#define CLASS_OTHER_WORD 2		/* a byte no phrase has, a word's */
#define CLASS_SPACE	3		/* white space */
#define CLASS_FIRST	4

/* What the bytes of a class are, so what the next byte does after one. */
#define KIND_OTHER	0
#define KIND_SPACE	1
#define KIND_WORD	2

#define NONE		PHRASES_NONE

struct phrase {
	char	*label;
	char	*text;		/* as shown: lower case, spaces collapsed */
	char	*keys;		/* as matched: text with word-start marks */
};

/* An edge of the trie, in the list of its parent's. */
struct edge {
	uint32_t class;
	uint32_t child;		/* the child's state */
	uint32_t next;		/* the parent's next edge, or NONE */
};

/* A state of the trie. */
struct trie_state {
	uint32_t first;		/* its first edge, or NONE */
	uint32_t best;		/* its phrase, or NONE */
	uint32_t depth;
	uint32_t via;		/* the class that led to it */
};

struct automaton {
	char		 *section;
	struct phrase	 *phrases;	/* in file order */
	size_t		  nphrase, phrase_cap;
	uint8_t		  class[256];	/* byte -> alphabet class: its cell */
	uint8_t		  kind[256];	/* class -> KIND_* */
	uint32_t	  nclass;	/* classes, CELL_EDGES's 0 included */
	uint32_t	 *cells;	/* the states, the root at 0 */
	uint32_t	  ncell;
	struct edge	 *edges;	/* the trie */
	size_t		  nedge, edge_cap;
	struct trie_state *states;
	size_t		  nstate, state_cap;
};

static struct automaton *gen_sections;
static size_t gen_nsection, gen_section_cap;

static void
gen_die(const char *where, const char *why)
{
	fprintf(stderr, "phrases_gen: %s: %s\n", where, why);
	exit(1);
}

/* Room in *p for one more than n items of size each. */
static void *
gen_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap == 0 ? 16 : *cap * 2;
	if ((p = realloc(p, *cap * size)) == NULL)
		gen_die("malloc", "out of memory");
	return p;
}

static char *
gen_strdup(const char *s)
{
	char *d = malloc(strlen(s) + 1);

	if (d == NULL)
		gen_die("malloc", "out of memory");
	return strcpy(d, s);
}

/* ASCII alone, whatever the locale, as GLib's g_ascii_* at run time. */
static int
gen_isword(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
gen_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Lower-case ASCII, and every line end or tab a space. */
static uint8_t
gen_fold(uint8_t c)
{
	if (c == '\t' || c == '\r' || c == '\n')
		return ' ';
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static char *
gen_strip(char *s)
{
	size_t n;

	while (gen_isspace((uint8_t)*s))
		s++;
	for (n = strlen(s); n > 0 && gen_isspace((uint8_t)s[n - 1]); n--)
		s[n - 1] = '\0';
	return s;
}

static struct automaton *
gen_section(const char *name)
{
	struct automaton *a;
	size_t i;

	for (i = 0; i < gen_nsection; i++)
		if (strcmp(gen_sections[i].section, name) == 0)
			return &gen_sections[i];
	gen_sections = gen_grow(gen_sections, &gen_section_cap, gen_nsection,
	    sizeof *gen_sections);
	a = &gen_sections[gen_nsection++];
	memset(a, 0, sizeof *a);
	a->section = gen_strdup(name);
	return a;
}

/* Lower-case, one space for each run of white space, trimmed. */
static char *
gen_canon(const char *line)
{
	char *out = gen_strdup(line);
	size_t n = 0;

	for (; *line != '\0'; line++) {
		uint8_t c = gen_fold((uint8_t)*line);

		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = (char)c;
	}
	if (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

/* The phrase with WORD_MARK before each ASCII word (see phrases.c). */
static char *
gen_keys(const char *text)
{
	char *out = malloc(2 * strlen(text) + 1);
	const char *p;
	size_t n = 0;

	if (out == NULL)
		gen_die("malloc", "out of memory");
	for (p = text; *p != '\0'; p++) {
		if (gen_isword((uint8_t)*p) &&
		    (p == text || !gen_isword((uint8_t)p[-1])))
			out[n++] = WORD_MARK;
		out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

static void
gen_add(struct automaton *a, const char *label, const char *line)
{
	struct phrase *ph;

	a->phrases = gen_grow(a->phrases, &a->phrase_cap, a->nphrase,
	    sizeof *a->phrases);
	ph = &a->phrases[a->nphrase++];
	ph->label = gen_strdup(label);
	ph->text = gen_canon(line);
	ph->keys = gen_keys(ph->text);
}

/* "[section label]": the section's automaton; *label gets the label. */
static struct automaton *
gen_head(char *line, char **label)
{
	size_t n = strcspn(line, " \t");

	*label = line + n;
	if (line[n] != '\0')
		*label = gen_strip(line + n + 1);
	line[n] = '\0';
	return gen_section(line);
}

static void
gen_load(FILE *f, const char *path)
{
	char buf[4096], *line, *label = gen_strdup("");
	struct automaton *a = NULL;

	while (fgets(buf, sizeof buf, f) != NULL) {
		if (strchr(buf, '\n') == NULL && !feof(f))
			gen_die(path, "a line too long");
		line = gen_strip(buf);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (line[0] == '[' && line[strlen(line) - 1] == ']') {
			char *l;

			line[strlen(line) - 1] = '\0';
			a = gen_head(line + 1, &l);
			free(label);
			label = gen_strdup(l);
		} else if (a != NULL)
			gen_add(a, label, line);
	}
	if (ferror(f))
		gen_die(path, "read error");
	free(label);
}

static void
gen_alphabet(struct automaton *a)
{
	const uint8_t *p;
	size_t i;
	uint8_t f;

	memset(a->class, 0, sizeof a->class);
	a->class[' '] = CLASS_SPACE;
	a->nclass = CLASS_FIRST;
	for (i = 0; i < a->nphrase; i++)
		for (p = (const uint8_t *)a->phrases[i].keys; *p != '\0'; p++)
			if (a->class[*p] == 0) {
				if (a->nclass == 256)	/* a move's class is a byte */
					gen_die(a->section,
					    "too many bytes");
				a->class[*p] = a->nclass++;
			}
	for (i = 0; i < 256; i++) {
		f = gen_fold((uint8_t)i);
		a->class[i] = a->class[f] != 0 ? a->class[f] :
		    gen_isword(f) ? CLASS_OTHER_WORD : CLASS_OTHER;
		a->kind[a->class[i]] = f == ' ' ? KIND_SPACE :
		    gen_isword(f) ? KIND_WORD : KIND_OTHER;
	}
}

/* A new state of the trie: its number (cells come with gen_links). */
static uint32_t
gen_new_state(struct automaton *a, uint32_t depth, uint32_t via)
{
	struct trie_state t = { NONE, NONE, depth, via };

	a->states = gen_grow(a->states, &a->state_cap, a->nstate,
	    sizeof *a->states);
	a->states[a->nstate] = t;
	return a->nstate++;
}

/* The trie's child of s by class c, or NONE. */
static uint32_t
gen_goto(const struct automaton *a, uint32_t s, uint32_t c)
{
	uint32_t i;

	for (i = a->states[s].first; i != NONE; i = a->edges[i].next)
		if (a->edges[i].class == c)
			return a->edges[i].child;
	return NONE;
}

/*
 * The child of trie state s by class c, made if new.  The trie is kept
 * as lists of edges, not rows: most of its states have one child, and
 * rows of a cell per class would be cleared only to be copied.
 */
static uint32_t
gen_child(struct automaton *a, uint32_t s, uint32_t c)
{
	struct edge e;
	uint32_t t;

	if ((t = gen_goto(a, s, c)) != NONE)
		return t;
	e.class = c;
	e.child = gen_new_state(a, a->states[s].depth + 1, c);
	e.next = a->states[s].first;
	a->edges = gen_grow(a->edges, &a->edge_cap, a->nedge, sizeof *a->edges);
	a->states[s].first = a->nedge;
	a->edges[a->nedge++] = e;
	return e.child;
}

/* The trie of all phrases, each end state marked with its index. */
static void
gen_trie(struct automaton *a)
{
	const uint8_t *p;
	uint32_t i, s;

	gen_new_state(a, 0, CLASS_SPACE);
	for (i = 0; i < a->nphrase; i++) {
		s = 0;
		if (a->phrases[i].keys[0] == '\0')	/* the root ends none */
			gen_die(a->section, "an empty phrase");
		for (p = (const uint8_t *)a->phrases[i].keys; *p != '\0'; p++)
			s = gen_child(a, s, a->class[*p]);
		if (a->states[s].best == NONE)
			a->states[s].best = i;
	}
}

/*
 * Failure links over the trie, breadth first: the longest proper suffix
 * of a state's keys that is a state too.  A state's best phrase becomes
 * its own, else its failure state's (shallower, so settled before).
 */
static void
gen_fail(struct automaton *a, uint32_t *fail)
{
	uint32_t *queue = malloc(a->nstate * sizeof *queue);
	uint32_t head = 0, tail = 1, i, s, t, f, g;

	if (queue == NULL)
		gen_die("malloc", "out of memory");
	queue[0] = 0;
	fail[0] = 0;
	while (head < tail) {
		s = queue[head++];
		for (i = a->states[s].first; i != NONE; i = a->edges[i].next) {
			t = a->edges[i].child;
			g = NONE;
			for (f = fail[s]; s != 0 && f != 0 && (g = gen_goto(a, f,
			    a->edges[i].class)) == NONE; f = fail[f])
				;
			if (s != 0 && f == 0)
				g = gen_goto(a, 0, a->edges[i].class);
			fail[t] = g != NONE ? g : 0;
			if (a->states[t].best == NONE)
				a->states[t].best = a->states[fail[t]].best;
			queue[tail++] = t;
		}
	}
	free(queue);
}

typedef void (*move_fn)(void *arg, uint32_t class, uint32_t to);

/*
 * The moves trie state s makes of its own, before its failure state's,
 * where kind is what its last byte was: to each child; when no word's
 * byte came last, on a word's byte through the word mark to the mark's
 * child (the mark the scan would have put before it); and after a
 * space, on another space, to self (the collapsed run).
 */
static void
gen_moves(const struct automaton *a, uint32_t s, uint32_t kind,
    uint32_t self, move_fn fn, void *arg)
{
	uint32_t mark = a->class[WORD_MARK], i, j, m;

	for (i = a->states[s].first; i != NONE; i = a->edges[i].next) {
		fn(arg, a->edges[i].class, a->edges[i].child);
		if (a->edges[i].class != mark || kind == KIND_WORD)
			continue;
		m = a->edges[i].child;
		for (j = a->states[m].first; j != NONE; j = a->edges[j].next)
			fn(arg, a->edges[j].class, a->edges[j].child);
	}
	if (kind == KIND_SPACE)
		fn(arg, CLASS_SPACE, self);
}

static void
gen_count(void *arg, uint32_t class, uint32_t to)
{
	(*(uint32_t *)arg)++;
}

/* The root after a word's byte: numbered after the trie's states. */
#define ROOT_WORD(a)	((uint32_t)(a)->nstate)

static int
gen_dense(const struct automaton *a, uint32_t s)
{
	return s == ROOT_WORD(a) || a->states[s].depth <= DENSE_DEPTH;
}

static uint32_t
gen_kind(const struct automaton *a, uint32_t s)
{
	return a->kind[a->states[s].via];
}

/* The phrase state s (a root after a word too) ends. */
static uint32_t
gen_best(const struct automaton *a, uint32_t s)
{
	return a->states[s == ROOT_WORD(a) ? 0 : s].best;
}

/*
 * Each state's reference (phrases_int.h): its offset in cells and its
 * flags.  The dense states come first, together, then the others in
 * the trie's order, a phrase's states one after the other.  Returns
 * the count of cells.
 */
static uint32_t
gen_place(const struct automaton *a, uint32_t *at)
{
	uint32_t s, n = 0, moves;
	int dense;

	for (dense = 1; dense >= 0; dense--)
		for (s = 0; s <= ROOT_WORD(a); s++) {
			if (gen_dense(a, s) != dense)
				continue;
			if (n > REF_OFFSET)
				gen_die(a->section, "too many states");
			at[s] = n | (dense ? 0 : REF_SPARSE) |
			    (gen_best(a, s) != NONE ? REF_BEST : 0);
			moves = 0;
			if (!dense)
				gen_moves(a, s, gen_kind(a, s), s, gen_count,
				    &moves);
			n += dense ? CELL_ROW + a->nclass : CELL_EDGE0 + moves;
		}
	return n;
}

/* Where moves are written: a dense row, or a sparse state's list. */
struct gen_out {
	uint32_t	*cells;
	const uint32_t	*at;		/* state -> its reference */
	uint32_t	 o;		/* the state's offset */
	uint32_t	 n;		/* sparse: moves written */
};

static void
gen_put_dense(void *arg, uint32_t class, uint32_t to)
{
	struct gen_out *w = arg;

	w->cells[w->o + CELL_ROW + class] = w->at[to];
}

static void
gen_put_sparse(void *arg, uint32_t class, uint32_t to)
{
	struct gen_out *w = arg;

	w->cells[w->o + CELL_EDGE0 + w->n++] = class << EDGE_SHIFT | w->at[to];
}

/*
 * A root's row (r: the trie's root, or ROOT_WORD): a word's byte with
 * no move leads to the root after a word, any other to the first root.
 */
static void
gen_root(struct automaton *a, const uint32_t *at, uint32_t r, uint32_t kind)
{
	struct gen_out w = { a->cells, at, at[r] & REF_OFFSET, 0 };
	uint32_t c;

	a->cells[w.o + CELL_BEST] = a->states[0].best;
	a->cells[w.o + CELL_EDGES] = DENSE;
	for (c = CLASS_OTHER; c < a->nclass; c++)
		a->cells[w.o + CELL_ROW + c] =
		    at[a->kind[c] == KIND_WORD ? ROOT_WORD(a) : 0];
	gen_moves(a, 0, kind, r, gen_put_dense, &w);
}

/*
 * Trie state s: a dense row starts as its failure state's (a root) and
 * takes its own moves; a sparse state keeps its failure state and its
 * own moves.  A failure to the trie's root is to the root of s's kind.
 */
static void
gen_state(struct automaton *a, const uint32_t *at, const uint32_t *fail,
    uint32_t s)
{
	struct gen_out w = { a->cells, at, at[s] & REF_OFFSET, 0 };
	uint32_t kind = gen_kind(a, s), f;

	f = fail[s] != 0 ? at[fail[s]] :
	    at[kind == KIND_WORD ? ROOT_WORD(a) : 0];
	a->cells[w.o + CELL_BEST] = a->states[s].best;
	if (gen_dense(a, s)) {
		a->cells[w.o + CELL_EDGES] = DENSE;
		memcpy(a->cells + w.o + CELL_ROW + CLASS_OTHER,
		    a->cells + (f & REF_OFFSET) + CELL_ROW + CLASS_OTHER,
		    (a->nclass - CLASS_OTHER) * sizeof *a->cells);
		gen_moves(a, s, kind, s, gen_put_dense, &w);
		return;
	}
	a->cells[w.o + CELL_FAIL] = f;
	gen_moves(a, s, kind, s, gen_put_sparse, &w);
	a->cells[w.o + CELL_EDGES] = w.n;
}

/* The cells from the trie: roots first, whose rows the others copy. */
static void
gen_links(struct automaton *a)
{
	uint32_t *fail = malloc(a->nstate * sizeof *fail);
	uint32_t *at = malloc((a->nstate + 1) * sizeof *at);	/* refs */
	uint32_t s;

	if (fail == NULL || at == NULL)
		gen_die("malloc", "out of memory");
	gen_fail(a, fail);
	a->ncell = gen_place(a, at);
	if ((a->cells = calloc(a->ncell, sizeof *a->cells)) == NULL)
		gen_die("malloc", "out of memory");
	gen_root(a, at, 0, KIND_SPACE);
	gen_root(a, at, ROOT_WORD(a), KIND_WORD);
	for (s = 1; s < a->nstate; s++)
		gen_state(a, at, fail, s);
	free(fail);
	free(at);
}

/* A C string literal: bytes outside printable ASCII in octal. */
static void
gen_string(const char *s)
{
	const uint8_t *p;

	putchar('"');
	for (p = (const uint8_t *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '?')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			printf("\\%03o", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* Numbers, a dozen a line. */
static void
gen_numbers(const uint32_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s%lu,", i % 12 == 0 ? "\n\t" : " ", (unsigned long)v[i]);
	putchar('\n');
}

/*
 * The strings the tables name, each once, in one array: the tables hold
 * offsets, not pointers, so that the loader has nothing to relocate in
 * them at every start of every program.
 */
struct gen_string {
	const char	*s;
	uint32_t	 at;		/* its offset in phrases_pool */
};
static struct gen_string *gen_pool;
static size_t gen_npool, gen_pool_cap;
static uint32_t gen_pool_len;

/* The offset of s in the pool, added if new. */
static uint32_t
gen_intern(const char *s)
{
	size_t i;

	for (i = 0; i < gen_npool; i++)
		if (strcmp(gen_pool[i].s, s) == 0)
			return gen_pool[i].at;
	gen_pool = gen_grow(gen_pool, &gen_pool_cap, gen_npool,
	    sizeof *gen_pool);
	gen_pool[gen_npool].s = s;
	gen_pool[gen_npool].at = gen_pool_len;
	gen_pool_len += strlen(s) + 1;
	return gen_pool[gen_npool++].at;
}

/* Every section's phrases, then every section's cells, one after another. */
static void
gen_emit_lists(void)
{
	const struct automaton *a;
	size_t k, i;

	printf("\nconst struct phrases_phrase phrases_list[] = {\n");
	for (k = 0; k < gen_nsection; k++)
		for (a = &gen_sections[k], i = 0; i < a->nphrase; i++)
			printf("\t{ %lu, %lu },\n",
			    (unsigned long)gen_intern(a->phrases[i].label),
			    (unsigned long)gen_intern(a->phrases[i].text));
	printf("};\n\nconst uint32_t phrases_cells[] = {");
	for (k = 0; k < gen_nsection; k++) {
		printf("\t/* [%s] */", gen_sections[k].section);
		gen_numbers(gen_sections[k].cells, gen_sections[k].ncell);
	}
	printf("};\n");
}

static void
gen_emit_table(void)
{
	const struct automaton *a;
	uint32_t class[256], phrase0 = 0, cell0 = 0;
	size_t k, i;

	printf("\nconst struct phrases_automaton phrases_automata[] = {\n");
	for (k = 0; k < gen_nsection; k++) {
		a = &gen_sections[k];
		printf("{ %lu, %lu, %lu, %lu, {",
		    (unsigned long)gen_intern(a->section),
		    (unsigned long)phrase0, (unsigned long)a->nphrase,
		    (unsigned long)cell0);
		for (i = 0; i < 256; i++)
			class[i] = a->class[i];
		gen_numbers(class, 256);
		printf("} },\n");
		phrase0 += a->nphrase;
		cell0 += a->ncell;
	}
	printf("};\nconst uint32_t phrases_nautomata = %zu;\n", gen_nsection);
}

static void
gen_emit_pool(void)
{
	size_t i;

	printf("\nconst char phrases_pool[] =");
	for (i = 0; i < gen_npool; i++) {
		printf("\n\t");
		gen_string(gen_pool[i].s);
		printf(" \"\\0\"");
	}
	printf(";\n");
}

static int
gen_cmp(const void *x, const void *y)
{
	return strcmp(((const struct automaton *)x)->section,
	    ((const struct automaton *)y)->section);
}

int
main(int argc, char **argv)
{
	FILE *f;
	size_t k;

	if (argc != 2)
		gen_die("usage", "phrases_gen phrases.tab");
	if ((f = fopen(argv[1], "r")) == NULL)
		gen_die(argv[1], strerror(errno));
	gen_load(f, argv[1]);
	fclose(f);
	qsort(gen_sections, gen_nsection, sizeof *gen_sections, gen_cmp);
	printf("/* Generated from phrases.tab by phrases_gen.c: do not edit. */"
	    "\n#include \"phrases_int.h\"\n");
	for (k = 0; k < gen_nsection; k++) {
		gen_alphabet(&gen_sections[k]);
		gen_trie(&gen_sections[k]);
		gen_links(&gen_sections[k]);
	}
	gen_emit_lists();
	gen_emit_table();
	gen_emit_pool();
	if (fflush(stdout) != 0 || ferror(stdout))
		gen_die("stdout", "write error");
	return 0;
}
