/*
 * policy.h: when a bounced address is to be removed.
 */
#ifndef REBOUND_POLICY_H
#define REBOUND_POLICY_H

#include <glib.h>

#include "guard.h"
#include "report.h"

/*
 * Which hard outcomes need a second one to make an address dead
 * ([policy] confirm_hard): none, those of weak confidence, or those
 * of weak or likely confidence (the default: only a certain one kills
 * at once).
 */
enum policy_confirm {
	POLICY_CONFIRM_NONE = -1,
	POLICY_CONFIRM_WEAK = CONFIDENCE_WEAK,
	POLICY_CONFIRM_LIKELY = CONFIDENCE_LIKELY
};

struct policy {
	int	hard_threshold;		/* hard bounces that make an address dead */
	int	soft_threshold;		/* distinct soft days that make it dead */
	int	soft_window;		/* ... within so many days */
	int	soft_stale;		/* quiet days after which soft days reset */
	int	complaint_threshold;	/* complaints that make it complained */
	int	confirm_hard;		/* enum policy_confirm */
	int	probe;			/* enum probe_when in force: [probe]
					   when with a relay, else never */
	struct guard_conf guard;	/* [guard]: bursts held, not counted */
};

/*
 * Where an address stands (policy.c names each; the database stores the
 * name).  Dead and complained are final until "rebound forget"; probing
 * ends with its probe (probe.h): dead if it bounced, else alive.
 */
enum policy_addr_state {
	STATE_ALIVE,
	STATE_SUSPECT,
	STATE_DEAD,
	STATE_COMPLAINED,
	STATE_PROBING		/* dead unless its probe comes back alive */
};
#define STATE_COUNT	(STATE_PROBING + 1)

/* An address as the policy sees it (a row of the addresses table). */
struct policy_state {
	enum policy_addr_state state;
	char	*state_reason;
	int	 hard;
	int	 soft;
	int	 complaints;
	GArray	*soft_days;		/* of int: day numbers counting now */
	int	 suspect_day;		/* day of the unconfirmed hard bounce
					   that made it suspect, or 0 */
};

/* policy_keys.c: the keys of [policy] and --policy, one table. */
void	 policy_defaults(struct policy *);
int	 policy_set(struct policy *, const char *key, const char *value,
	    GError **);
int	 policy_is_key(const char *key);
int	 policy_override(struct policy *, const char *spec, GError **);
const char *policy_confirm_name(int confirm);
char	*policy_keys_help(void);

const char *policy_state_name(enum policy_addr_state);
int	 policy_state_parse(const char *, enum policy_addr_state *);

void	 policy_state_init(struct policy_state *, const char *soft_days);
void	 policy_state_clear(struct policy_state *);
char	*policy_state_days(const struct policy_state *);
void	 policy_apply(const struct policy *, struct policy_state *,
	    const char *class, const char *reason, enum confidence,
	    gint64 at);

#endif
