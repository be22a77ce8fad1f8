/*
 * classify.c: decide, per recipient, why delivery failed and whether
 * the address itself is dead.
 *
 * Evidence in order of trust: the Action (delivered, delayed), a
 * specific enhanced status code (status.tab), the diagnostic text
 * (phrases.tab, section "diagnostic"), a status code that servers use
 * for many causes ("weak" in status.tab), the bare SMTP reply code.
 * A recipient is hard only when the reason says the address is gone
 * (userunknown, hostunknown, hasmoved, notaccept) and the failure is
 * permanent: a 5xx, or a failed Action with no code at all.  When in
 * doubt, soft: removing a live subscriber is the worse mistake.
 * Each recipient records what decided it in r->decided.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "classify.h"
#include "phrases.h"
#include "status.h"

extern const char status_tab[];

struct code_entry {
	const char	*reason;	/* interned */
	int		 weak;
};

static GHashTable *classify_codes;	/* code -> struct code_entry * */

static void
classify_load(void)
{
	g_auto(GStrv) lines = g_strsplit(status_tab, "\n", -1);
	struct code_entry *e;
	guint i;

	for (i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) col = g_strsplit_set(lines[i], " \t", -1);
		guint n = g_strv_length(col);

		if (n < 2 || col[0][0] == '\0')
			continue;
		e = g_new0(struct code_entry, 1);
		e->reason = g_intern_string(col[1]);
		e->weak = n > 2 && strcmp(col[n - 1], "weak") == 0;
		g_hash_table_replace(classify_codes, g_strdup(col[0]), e);
	}
}

void
classify_init(void)
{
	if (classify_codes != NULL)
		return;
	classify_codes = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	classify_load();
	phrases_init();
}

void
classify_shutdown(void)
{
	if (classify_codes != NULL)
		g_hash_table_destroy(classify_codes);
	classify_codes = NULL;
	phrases_shutdown();
}

/*
 * The reason status.tab gives for an enhanced status code (exact, then
 * any class), else for the reply code; NULL if neither is known.
 */
const char *
classify_status(const char *status, int replycode, int *weak_r)
{
	struct code_entry *e = NULL;
	char key[STATUS_MAX + 1];

	classify_init();
	if (status != NULL && status[0] != '\0') {
		e = g_hash_table_lookup(classify_codes, status);
		if (e == NULL) {
			g_snprintf(key, sizeof key, "X%s", status + 1);
			e = g_hash_table_lookup(classify_codes, key);
		}
	}
	if (e == NULL && replycode != 0) {
		g_snprintf(key, sizeof key, "%d", replycode);
		e = g_hash_table_lookup(classify_codes, key);
	}
	if (e == NULL)
		return NULL;
	*weak_r = e->weak;
	return e->reason;
}

static int
classify_permanent(const char *status, int replycode, const char *action)
{
	if (action != NULL && strcmp(action, "delayed") == 0)
		return 0;
	if (status != NULL && status[0] != '\0')
		return status_class(status) == 5;
	if (replycode != 0)
		return replycode / 100 == 5;
	return action != NULL && strcmp(action, "failed") == 0;
}

int
classify_is_hard(const char *reason, const char *status, int replycode,
    const char *action)
{
	static const char *dead[] = {
		"userunknown", "hostunknown", "hasmoved", "notaccept"
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(dead); i++)
		if (strcmp(reason, dead[i]) == 0)
			return classify_permanent(status, replycode, action);
	return 0;
}

static void
classify_set(struct recipient *r, const char *reason, char *decided)
{
	r->reason = g_intern_string(reason);
	g_free(r->decided);
	r->decided = decided;
}

static int
classify_action_is(struct recipient *r, const char *action)
{
	return r->action != NULL && strcmp(r->action, action) == 0;
}

/* Success notifications: the address works. */
static int
classify_delivered(struct recipient *r)
{
	if (classify_action_is(r, "delivered") ||
	    classify_action_is(r, "relayed") ||
	    classify_action_is(r, "expanded")) {
		classify_set(r, "delivered", g_strdup_printf("action %s",
		    r->action));
		return 1;
	}
	if (status_class(r->status) == 2) {
		classify_set(r, "delivered", g_strdup_printf("status %s",
		    r->status));
		return 1;
	}
	return 0;
}

static void
classify_failure(struct recipient *r)
{
	const char *reason, *phrase = NULL, *text_reason;
	int weak = 0, delayed = classify_action_is(r, "delayed");

	reason = classify_status(r->status, 0, &weak);
	if (reason != NULL && !weak && (!delayed || status_class(r->status) == 4)) {
		classify_set(r, reason, g_strdup_printf("status %s", r->status));
		return;
	}
	text_reason = phrases_find("diagnostic", r->diagnostic, &phrase);
	if (text_reason != NULL && !delayed) {
		classify_set(r, text_reason, g_strdup_printf("diagnostic \"%s\"",
		    phrase));
		return;
	}
	if (delayed) {
		classify_set(r, "expired", g_strdup("action delayed"));
		return;
	}
	if (reason != NULL) {
		classify_set(r, reason, g_strdup_printf("status %s", r->status));
		return;
	}
	if ((reason = classify_status(NULL, r->replycode, &weak)) != NULL) {
		classify_set(r, reason, g_strdup_printf("reply %d", r->replycode));
		return;
	}
	classify_set(r, "undefined", g_strdup("no evidence"));
}

static void
classify_recipient(struct report *rp, struct recipient *r)
{
	switch (rp->kind) {
	case REPORT_ARF:
		classify_set(r, "feedback", g_strdup_printf("feedback-type %s",
		    rp->feedback_type ? rp->feedback_type : "unknown"));
		r->hard = 0;
		return;
	case REPORT_AUTOREPLY:
		classify_set(r, "vacation", g_strdup("auto-reply"));
		r->hard = 0;
		return;
	default:
		break;
	}
	if (!classify_delivered(r))
		classify_failure(r);
	r->hard = classify_is_hard(r->reason, r->status, r->replycode,
	    r->action);
}

void
classify_report(struct report *rp)
{
	guint i;

	classify_init();
	for (i = 0; i < rp->recipients->len; i++)
		classify_recipient(rp, g_ptr_array_index(rp->recipients, i));
}
