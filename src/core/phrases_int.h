/*
 * phrases_int.h: the phrase automata, as phrases_gen.c builds them from
 * phrases.tab at compile time and phrases.c reads them.  Plain C, no
 * GLib: the generator runs on the build machine, which a cross build
 * leaves without the target's libraries.
 *
 * A state is known by its reference: the offset of its cells in its
 * automaton's cells, with a flag for a state where a phrase ends and one
 * for a sparse state, so that a scan reads one cell a byte where it
 * finds no phrase.  Its cells are first the lowest phrase index ending
 * there (or PHRASES_NONE), then how it moves on a class of byte.  The
 * word marks and the runs of white space are in the moves, not in the
 * scan: a state knows what its last byte was (two roots: after a word's
 * byte, and after anything else), so a word's first byte moves through
 * the mark at once, and a space after a space stays put.  The scan is
 * one move a byte.  The root is at 0, and no phrase ends there.
 *
 * The states near the root, where a scan spends most of its bytes, are
 * dense: a cell per class, the next state's reference, one load a byte.
 * Deeper states, nearly all on the way through one phrase, are sparse:
 * their failure state, then their own moves alone, each a class in the
 * top byte and the next state's reference below; a class with no move of
 * its own goes on from the failure state, shallower, ending at a dense
 * one.  Each byte still lands on the state a full automaton would, so
 * a scan reads each byte once, never backtracks, and follows at most
 * two failure links for each byte it has read.
 */
#ifndef REBOUND_PHRASES_INT_H
#define REBOUND_PHRASES_INT_H

#include <stdint.h>

#define PHRASES_NONE	0xffffffffu	/* no phrase ends in this state */

#define CELL_BEST	0		/* the cell of the best phrase */
#define CELL_EDGES	1		/* a sparse state's count of moves */
#define CELL_FAIL	2		/* a sparse state's failure state */
#define CELL_EDGE0	3		/* a sparse state's first move */
#define CELL_ROW	1		/* + class: a dense state's move */
#define DENSE		0xffffffffu	/* CELL_EDGES of a dense state */
#define EDGE_SHIFT	24		/* a move: class << 24 | next state */
#define EDGE_CHILD	((1u << EDGE_SHIFT) - 1)
#define REF_SPARSE	(1u << 23)	/* a reference's flags, then offset */
#define REF_BEST	(1u << 22)
#define REF_OFFSET	(REF_BEST - 1)

/*
 * The tables hold offsets, not pointers (nothing for the loader to
 * relocate): a string's in phrases_pool, a section's first phrase in
 * phrases_list and its first cell in phrases_cells.
 */

/* A phrase: its label, and its text lower case, spaces collapsed. */
struct phrases_phrase {
	uint32_t	label;
	uint32_t	text;
};

/* One section of phrases.tab, compiled. */
struct phrases_automaton {
	uint32_t	section;
	uint32_t	phrase0;	/* its phrases, in file order */
	uint32_t	nphrase;
	uint32_t	cell0;		/* its cells, the root first */
	uint8_t		class[256];	/* byte -> its class */
};

extern const char phrases_pool[];
extern const struct phrases_phrase phrases_list[];
extern const uint32_t phrases_cells[];
/* Sorted by section (strcmp), for bsearch. */
extern const struct phrases_automaton phrases_automata[];
extern const uint32_t phrases_nautomata;

#endif
