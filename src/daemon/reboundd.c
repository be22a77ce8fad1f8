/*
 * reboundd.c: the rebound daemon: one libevent loop that takes returned
 * mail from a maildir and over LMTP, and records it (intake.c) so that
 * nothing acknowledged is ever lost.
 *
 * Start-up: read the configuration (refused with file, line and key),
 * open the database, start the sources.  SIGHUP re-reads the
 * configuration (the policy, VERP, intake and [limits] settings take
 * effect; a changed listener, maildir or database needs a restart, and
 * a file that does not load is reported and the running settings kept).
 * [probe] takes effect at a restart only.
 * SIGTERM or SIGINT: stop taking mail, commit and acknowledge what is in
 * flight, and exit 0.  Logs go to stderr in the foreground and to the
 * journal under systemd.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "hook.h"
#include "http.h"
#include "intake.h"
#include "lmtp.h"
#include "log.h"
#include "maildir.h"
#include "metrics.h"
#include "notify.h"
#include "parse.h"
#include "prober.h"
#include "provider.h"
#include "store.h"
#include "webhook.h"

#define EXIT_CONFIG	78	/* EX_CONFIG: the configuration is wrong */
#define EXIT_SOFTWARE	70	/* EX_SOFTWARE: cannot start */
#define STOP_SECONDS	30	/* longest wait for sessions at shutdown */
#define SPARE_FDS	64	/* the database, listeners, inotify, metrics */

struct daemon {
	struct event_base *base;
	struct conf	 conf;
	char		*config_file;
	struct store	*store;
	struct intake	*intake;
	struct maildir	*maildir;
	struct lmtp	*lmtp;
	struct metrics	*metrics;
	struct webhooks	*webhooks;	/* or NULL: no [http] listen */
	struct hooks	*hooks;		/* or NULL: no [hook NAME] */
	struct prober	*prober;	/* or NULL: no [probe] relay */
	struct event	*sigterm, *sigint, *sighup, *stopper, *watchdog;
	int		 stopping;
	gint64		 stop_deadline;
};

static int
daemon_load_conf(struct conf *c, const char *file, GError **error)
{
	conf_defaults(c);
	if (file == NULL && g_file_test(SYSCONFDIR "/rebound.conf",
	    G_FILE_TEST_EXISTS))
		file = SYSCONFDIR "/rebound.conf";
	if (file != NULL && !conf_load(c, file, error))
		return 0;
	conf_settle(c);
	provider_use(c->guard.providers);	/* at a reload too */
	return 1;
}

/*
 * The hooks as fresh has them: started if there were none, the same
 * settings for those that stay (hook.c keeps their jobs).
 */
static void
daemon_reload_hooks(struct daemon *d, struct conf *fresh)
{
	g_autoptr(GError) error = NULL;

	d->conf.hooks.max_age = fresh->hooks.max_age;
	d->conf.hooks.connect_timeout = fresh->hooks.connect_timeout;
	d->conf.hooks.timeout = fresh->hooks.timeout;
	d->conf.hooks.lease = fresh->hooks.lease;
	if (d->hooks != NULL) {
		hooks_reload(d->hooks, &fresh->hooks);
		return;
	}
	/* The database is the running one: changing it needs a restart. */
	if (fresh->hooks.list->len > 0 && (d->hooks = hooks_new(d->base,
	    &fresh->hooks, &d->conf.store, &error)) == NULL)
		g_warning("reload: hooks: %s", error->message);
	if (d->metrics != NULL)
		metrics_set_hooks(d->metrics, d->hooks);
}

/* SIGHUP: the settings that can change while running do. */
static void
daemon_reload(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	g_autoptr(GError) error = NULL;
	struct conf fresh;

	notify_send("RELOADING=1");
	if (!daemon_load_conf(&fresh, d->config_file, &error)) {
		g_warning("reload: %s (keeping the running settings)",
		    error->message);
		conf_clear(&fresh);
		notify_send("READY=1\nSTATUS=reload failed: running settings kept");
		return;
	}
	if (fresh.policy.probe != d->conf.policy.probe ||
	    g_strcmp0(fresh.probe.relay, d->conf.probe.relay) != 0)
		g_warning("reload: [probe] changes take effect at a restart");
	fresh.policy.probe = d->conf.policy.probe;
	d->conf.policy = fresh.policy;
	intake_set_policy(d->intake, &d->conf.policy);
	d->conf.verp = fresh.verp;
	d->conf.limits = fresh.limits;
	d->conf.intake.batch = fresh.intake.batch;
	d->conf.intake.delay = fresh.intake.delay;
	daemon_reload_hooks(d, &fresh);
	conf_clear(&fresh);
	g_info("reload: settings re-read from %s", d->conf.file ?
	    d->conf.file : "defaults");
	notify_send("READY=1\nSTATUS=running, settings reloaded");
}

static void
daemon_watchdog(evutil_socket_t fd, short what, void *arg)
{
	notify_send("WATCHDOG=1");
}

static void
daemon_check_stopped(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { 0, 100000 };
	guint busy = (d->lmtp ? lmtp_sessions(d->lmtp) : 0) +
	    (d->maildir ? maildir_pending(d->maildir) : 0) +
	    (d->webhooks ? webhooks_pending(d->webhooks) : 0) +
	    intake_pending(d->intake);

	if (busy > 0 && g_get_monotonic_time() < d->stop_deadline) {
		evtimer_add(d->stopper, &tv);
		return;
	}
	if (busy > 0)
		g_warning("stop: giving up on %u messages or sessions", busy);
	intake_flush(d->intake);
	event_base_loopexit(d->base, NULL);
}

/* SIGTERM, SIGINT: take nothing new, finish what is in flight. */
static void
daemon_stop(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	if (d->stopping)
		return;
	d->stopping = 1;
	notify_send("STOPPING=1\nSTATUS=stopping: finishing what is in flight");
	g_info("stop: signal %d, finishing what is in flight", (int)fd);
	if (d->lmtp != NULL)
		lmtp_stop(d->lmtp);
	if (d->maildir != NULL)
		maildir_stop(d->maildir);
	d->stop_deadline = g_get_monotonic_time() + STOP_SECONDS * G_USEC_PER_SEC;
	daemon_check_stopped(-1, 0, d);
}

/* READY for systemd (Type=notify), and a watchdog if it wants one. */
static int
daemon_notify_ready(struct daemon *d)
{
	g_autofree char *shown = conf_store_shown(
	    conf_store_where(&d->conf.store));
	g_autofree char *state = g_strdup_printf("READY=1\nSTATUS=running: "
	    "%s%s%s", d->maildir ? "maildir " : "", d->lmtp ? "lmtp " : "",
	    shown);
	gint64 usec = notify_watchdog_usec();
	struct timeval tv = { usec / 2 / G_USEC_PER_SEC,
	    usec / 2 % G_USEC_PER_SEC };

	if (usec > 0 && ((d->watchdog = event_new(d->base, -1, EV_PERSIST,
	    daemon_watchdog, d)) == NULL || event_add(d->watchdog, &tv) != 0)) {
		g_critical("watchdog: cannot make its timer: out of resources");
		return 0;
	}
	notify_send(state);
	return 1;
}

/*
 * Started as root with [daemon] user set: become that user, with its
 * groups and its home, for good.  Called after the listeners are bound
 * (a socket in a
 * root-owned directory, a port below 1024) and before anything else is
 * opened, so that the database and maildir belong to the user.
 */
static int
daemon_drop_privileges(const struct conf *c)
{
	struct passwd *pw;

	if (c->daemon.user == NULL)
		return 1;
	if (geteuid() != 0) {
		g_info("not started as root: staying user %u, not %s",
		    (unsigned)geteuid(), c->daemon.user);
		return 1;
	}
	if ((pw = getpwnam(c->daemon.user)) == NULL) {
		g_critical("[daemon] user: no user %s", c->daemon.user);
		return 0;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
	    setuid(0) == 0) {
		g_critical("cannot become user %s: %s", c->daemon.user,
		    g_strerror(errno));
		return 0;
	}
	/* libpq finds ~/.pgpass and ~/.pg_service.conf by HOME, as su does. */
	g_setenv("HOME", pw->pw_dir, TRUE);
	g_info("running as user %s, home %s", c->daemon.user, pw->pw_dir);
	return 1;
}

/*
 * Each LMTP session holds a descriptor: take all the kernel allows (the
 * soft limit is often 1024, the hard one far more), and say so when
 * [lmtp] max_sessions still does not fit: past the limit, accept()
 * fails and the listeners pause for a second at a time.
 */
static void
daemon_raise_nofile(const struct conf *c)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			g_warning("setrlimit(RLIMIT_NOFILE): %s", g_strerror(errno));
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	g_debug("open files: at most %llu", (unsigned long long)rl.rlim_cur);
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)c->lmtp.max_sessions + SPARE_FDS > rl.rlim_cur)
		g_warning("[lmtp] max_sessions = %d: only %llu open files "
		    "allowed (RLIMIT_NOFILE), about %llu sessions at once",
		    c->lmtp.max_sessions, (unsigned long long)rl.rlim_cur,
		    rl.rlim_cur > SPARE_FDS ?
		    (unsigned long long)(rl.rlim_cur - SPARE_FDS) : 0ULL);
}

/* LMTP listeners, from the configuration and from systemd, bound first. */
static int
daemon_listen(struct daemon *d)
{
	g_autoptr(GError) error = NULL;
	int nfds = notify_listen_fds(), fd;

	if ((d->conf.lmtp.listen[0] != NULL || nfds > 0) &&
	    (d->lmtp = lmtp_new(d->base, NULL, &d->conf.lmtp,
	    &error)) == NULL) {
		g_critical("lmtp: %s", error->message);
		return 0;
	}
	/* Sockets systemd opened for us (rebound.socket) are LMTP too. */
	for (fd = NOTIFY_FIRST_FD; fd < NOTIFY_FIRST_FD + nfds; fd++)
		if (!lmtp_adopt(d->lmtp, fd, &error)) {
			g_critical("lmtp: socket from systemd: %s", error->message);
			return 0;
		}
	return 1;
}

/*
 * Without probes, a bounce anyone can write makes an address dead, and
 * a hook that acts on a list manager removes a live member for it: say
 * so, once, at the start.
 */
static void
daemon_warn_forgery(const struct conf *c)
{
	guint i;

	if (c->policy.probe == PROBE_ALWAYS)
		return;
	for (i = 0; i < c->hooks.list->len; i++) {
		const struct conf_hook *h = c->hooks.list->pdata[i];

		g_warning("%s: a forged bounce can make a live address dead, "
		    "and hook %s acts on it (%s): set [probe] relay so that "
		    "only a probe's own bounce does", c->policy.probe ==
		    PROBE_NEVER ? "[probe] relay is not set (or when = never)" :
		    "[probe] when = doubtful probes no certain verdict",
		    h->name, conf_hook_kind_name(h->kind));
	}
}

/* The store and its settings, then the group commit in front of it. */
static int
daemon_start_store(struct daemon *d)
{
	g_autoptr(GError) error = NULL;

	/*
	 * Opening migrates an older schema in place, which on a large
	 * database takes minutes (sql/014: about 30 s a million outcomes),
	 * more than systemd's start timeout: ask it to wait an hour.
	 */
	notify_send("STATUS=opening the database, migrating it if older\n"
	    "EXTEND_TIMEOUT_USEC=3600000000");
	d->store = store_open(&d->conf.store, STORE_WRITE, &error);
	if (d->store == NULL || !store_claim(d->store, &error)) {
		g_critical("%s", error->message);
		return 0;
	}
	store_set_policy(d->store, &d->conf.policy);
	store_set_probe(d->store, &d->conf.probe);
	store_set_event_delay(d->store, d->conf.events.delay);
	if ((d->intake = intake_new(d->base, d->store, &d->conf.intake,
	    &d->conf.limits, &d->conf.verp, &d->conf.policy, &d->conf.probe,
	    &error)) == NULL) {
		g_critical("%s", error->message);
		return 0;
	}
	if (d->lmtp != NULL)
		lmtp_set_intake(d->lmtp, d->intake);
	return 1;
}

/* The sources besides LMTP (listening already), then /metrics. */
static int
daemon_start_sources(struct daemon *d)
{
	g_autoptr(GError) error = NULL;

	if (d->conf.maildir.path != NULL && (d->maildir = maildir_new(d->base,
	    d->intake, &d->conf.maildir, &error)) == NULL) {
		g_critical("maildir: %s", error->message);
		return 0;
	}
	if (d->conf.http.listen != NULL && (d->webhooks = webhooks_new(d->base,
	    &d->conf.http, &d->conf.lmtp, d->intake, &error)) == NULL) {
		g_critical("http: %s", error->message);
		return 0;
	}
	if (d->lmtp == NULL && d->maildir == NULL && d->webhooks == NULL) {
		g_critical("nothing to do: neither [maildir] path nor [lmtp] "
		    "listen nor [http] listen is set");
		return 0;
	}
	if (d->conf.metrics.listen != NULL && (d->metrics = metrics_new(d->base,
	    d->conf.metrics.listen, d->intake, d->lmtp, d->maildir,
	    &error)) == NULL) {
		g_critical("metrics: %s", error->message);
		return 0;
	}
	if (d->metrics != NULL) {
		metrics_set_hooks(d->metrics, d->hooks);
		metrics_set_prober(d->metrics, d->prober);
		metrics_set_webhooks(d->metrics, d->webhooks);
	}
	return 1;
}

static int
daemon_start(struct daemon *d)
{
	g_autoptr(GError) error = NULL;

	daemon_raise_nofile(&d->conf);
	if (!daemon_listen(d) || !daemon_drop_privileges(&d->conf) ||
	    !daemon_start_store(d))
		return 0;
	/* Before hooks_new(), which takes the hooks out of conf. */
	daemon_warn_forgery(&d->conf);
	/* Before the sources: a new hook starts after the newest event. */
	if (d->conf.hooks.list->len > 0 && (d->hooks = hooks_new(d->base,
	    &d->conf.hooks, &d->conf.store, &error)) == NULL) {
		g_critical("hooks: %s", error->message);
		return 0;
	}
	if ((d->prober = prober_new(d->base, &d->conf.probe, &d->conf.policy,
	    &d->conf.store, d->conf.events.delay, &error)) == NULL &&
	    error != NULL) {
		g_critical("probe: %s", error->message);
		return 0;
	}
	return daemon_start_sources(d) && daemon_notify_ready(d);
}

/*
 * The daemon's own events: the signals, and the timer a stop waits
 * with, made now so that stopping cannot fail.
 */
static int
daemon_events(struct daemon *d)
{
	signal(SIGPIPE, SIG_IGN);
	if ((d->base = event_base_new()) == NULL) {
		g_critical("cannot make an event loop: out of resources");
		return 0;
	}
	d->sigterm = evsignal_new(d->base, SIGTERM, daemon_stop, d);
	d->sigint = evsignal_new(d->base, SIGINT, daemon_stop, d);
	d->sighup = evsignal_new(d->base, SIGHUP, daemon_reload, d);
	d->stopper = evtimer_new(d->base, daemon_check_stopped, d);
	if (d->sigterm == NULL || d->sigint == NULL || d->sighup == NULL ||
	    d->stopper == NULL || evsignal_add(d->sigterm, NULL) != 0 ||
	    evsignal_add(d->sigint, NULL) != 0 ||
	    evsignal_add(d->sighup, NULL) != 0) {
		g_critical("cannot make the daemon's events: out of resources");
		return 0;
	}
	return 1;
}

/* One teardown, in reverse order of start-up. */
static void
daemon_free(struct daemon *d)
{
	metrics_free(&d->metrics);
	hooks_free(&d->hooks);
	prober_free(&d->prober);
	lmtp_free(&d->lmtp);
	if (d->intake != NULL)
		intake_flush(d->intake);
	/* After the flush, which answers the posts waiting for a commit. */
	webhooks_free(&d->webhooks);
	maildir_free(&d->maildir);
	intake_free(&d->intake);
	store_close(&d->store);
	g_clear_pointer(&d->stopper, event_free);
	g_clear_pointer(&d->watchdog, event_free);
	g_clear_pointer(&d->sigterm, event_free);
	g_clear_pointer(&d->sigint, event_free);
	g_clear_pointer(&d->sighup, event_free);
	if (d->base != NULL)
		event_base_free(d->base);
	conf_clear(&d->conf);
	g_free(d->config_file);
}

/* Start, run until a signal stops it, stop: the exit status. */
static int
daemon_run(struct daemon *d)
{
	int rc = EXIT_SUCCESS;

	parse_init();
	http_global_init();
	if (daemon_events(d) && daemon_start(d)) {
		g_autofree char *shown = conf_store_shown(
		    conf_store_where(&d->conf.store));

		g_info("reboundd %s: started, database %s", PACKAGE_VERSION,
		    shown);
		event_base_dispatch(d->base);
		g_info("reboundd: stopped");
	} else
		rc = EXIT_SOFTWARE;
	daemon_free(d);
	http_global_cleanup();
	parse_shutdown();
	return rc;
}

int
main(int argc, char **argv)
{
	struct daemon d = { 0 };
	gboolean foreground = FALSE, check = FALSE, version = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &d.config_file,
		  "Read settings from FILE (default " SYSCONFDIR "/rebound.conf)",
		  "FILE" },
		{ "foreground", 'f', 0, G_OPTION_ARG_NONE, &foreground,
		  "Stay in the foreground and log to stderr", NULL },
		{ "check-config", 'n', 0, G_OPTION_ARG_NONE, &check,
		  "Check the configuration and exit", NULL },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, &version,
		  "Print the version and exit", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new(
	    "- record returned mail from a maildir and over LMTP");
	g_autoptr(GError) error = NULL;

	setlocale(LC_ALL, "");
	/* Log time stamps without a stat of /etc/localtime for every line. */
	g_setenv("TZ", ":/etc/localtime", FALSE);
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("reboundd: %s (see --help)\n", error->message);
		return 2;
	}
	log_init(foreground ? LOG_STDERR : LOG_JOURNAL);
	if (version) {
		printf("reboundd %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (!daemon_load_conf(&d.conf, d.config_file, &error)) {
		g_printerr("reboundd: %s\n", error->message);
		conf_clear(&d.conf);
		g_free(d.config_file);
		return EXIT_CONFIG;
	}
	if (check) {
		printf("%s: ok\n", d.conf.file ? d.conf.file : "defaults");
		daemon_free(&d);
		return EXIT_SUCCESS;
	}
	if (!foreground && daemon(0, 0) != 0) {
		g_printerr("reboundd: daemon: %s\n", g_strerror(errno));
		return EXIT_SOFTWARE;
	}
	return daemon_run(&d);
}
