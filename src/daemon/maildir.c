/*
 * maildir.c: take returned mail from a maildir's new/ directory.
 *
 * Everything already in new/ at start is submitted, then whatever
 * arrives: inotify reports files moved or written into new/ (tmp/ is
 * where delivery agents write; it is ignored).  A file leaves new/ only
 * after intake says its message is committed: a bounce goes to
 * cur/NAME:2,S ([maildir] done: or to a folder's cur/, or is deleted),
 * anything else
 * goes to the folder [maildir] other (new/ there, unread, for a person
 * to read): never dropped.  The directories are fsynced after the
 * renames.  A message that could not be recorded stays in new/ and is
 * tried again a second later; an inotify queue overflow rescans new/.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"
#include "mda.h"

#define MAILDIR_RETRY_SECONDS	1
#define MAILDIR_SCAN_STEP	256	/* files taken per pass of the loop */
#define MAILDIR_SCAN_AHEAD	1024	/* at most so many waiting in intake */
#define MAILDIR_AHEAD_BYTES	(64 * 1024 * 1024) /* and so many bytes */

struct maildir {
	struct event_base *base;
	struct intake	*intake;
	const struct conf_maildir *conf;
	char		*new_dir;
	char		*cur_dir;	/* where a recorded bounce goes */
	char		*other_new;	/* the other folder's new/ */
	int		 inotify_fd;
	struct event	*watch;
	struct event	*retry;
	struct event	*sync;		/* fsync the directories, once a burst */
	struct event	*scan_step;	/* the next part of a scan of new/ */
	GDir		*scanning;	/* new/ being scanned, or NULL */
	GHashTable	*inflight;	/* names submitted, not yet done */
	int		 stopped;
};

/* One file on its way through intake. */
struct maildir_file {
	struct maildir	*md;
	char		*name;
};

static void
maildir_sync(const char *dir)
{
	g_autoptr(GError) error = NULL;

	if (!mda_sync(dir, &error))
		g_warning("maildir: %s", error->message);
}

static void
maildir_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	struct maildir *md = arg;

	maildir_sync(md->new_dir);
	maildir_sync(md->cur_dir);
	maildir_sync(md->other_new);
}

/* Where a recorded message goes: cur/NAME:2,S, or other/new/NAME. */
static char *
maildir_target(struct maildir *md, const char *name, enum report_kind kind)
{
	if (kind == REPORT_NONE)
		return g_build_filename(md->other_new, name, NULL);
	if (strstr(name, ":2,") != NULL)
		return g_build_filename(md->cur_dir, name, NULL);
	return g_strdup_printf("%s/%s:2,S", md->cur_dir, name);
}

static void
maildir_done(void *arg, const struct intake_result *res)
{
	struct maildir_file *f = arg;
	struct maildir *md = f->md;
	g_autofree char *from = g_build_filename(md->new_dir, f->name, NULL);
	g_autofree char *to = NULL;
	struct timeval tv = { MAILDIR_RETRY_SECONDS, 0 };

	if (!res->ok) {
		/* Left in new/: tried again once the store may have recovered. */
		if (!md->stopped)
			evtimer_add(md->retry, &tv);
	} else if (res->kind != REPORT_NONE && md->conf->delete) {
		if (unlink(from) != 0)
			g_warning("maildir: %s: %s", from, g_strerror(errno));
		event_active(md->sync, EV_WRITE, 0);
	} else {
		to = maildir_target(md, f->name, res->kind);
		if (rename(from, to) != 0)
			g_warning("maildir: %s -> %s: %s", from, to,
			    g_strerror(errno));
		event_active(md->sync, EV_WRITE, 0);
	}
	g_hash_table_remove(md->inflight, f->name);
	g_free(f->name);
	g_free(f);
}

/*
 * The first max bytes of a file, where a report sits (the returned
 * message comes last): a bigger file is parsed from its start, and the
 * file itself is kept whole wherever it goes.  NULL when it is gone.
 * read(), not GMappedFile: a file cut short under a mapping would kill
 * the daemon with SIGBUS; g_file_get_contents() has no bound.
 */
static char *
maildir_read(const char *path, gsize max, gsize *len_r, gsize *size_r)
{
	struct stat st;
	char *bytes;
	ssize_t n;
	gsize len = 0, want;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			g_warning("maildir: %s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		g_warning("maildir: %s: %s", path, g_strerror(errno));
		close(fd);
		return NULL;
	}
	*size_r = st.st_size;
	want = MIN((gsize)st.st_size, max);
	bytes = g_malloc(want + 1);
	while (len < want && (n = read(fd, bytes + len, want - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			g_warning("maildir: %s: %s", path, g_strerror(errno));
			close(fd);
			g_free(bytes);
			return NULL;
		}
		len += n;
	}
	close(fd);
	bytes[len] = '\0';
	*len_r = len;
	return bytes;
}

static void
maildir_submit(struct maildir *md, const char *name)
{
	g_autofree char *path = g_build_filename(md->new_dir, name, NULL);
	g_autofree char *bytes = NULL, *id = NULL;
	gsize max = md->conf->max_size, len, size;
	struct maildir_file *f;

	if (name[0] == '.' || g_hash_table_contains(md->inflight, name))
		return;
	if ((bytes = maildir_read(path, max, &len, &size)) == NULL)
		return;
	if (size > max)
		g_info("maildir %s: %" G_GSIZE_FORMAT " bytes, the first "
		    "%" G_GSIZE_FORMAT " read ([maildir] max_message_size)",
		    name, size, len);
	f = g_new0(struct maildir_file, 1);
	f->md = md;
	f->name = g_strdup(name);
	g_hash_table_add(md->inflight, g_strdup(name));
	id = g_strdup_printf("maildir %s", name);
	intake_submit(md->intake, g_steal_pointer(&bytes), len, "maildir", NULL,
	    NULL, id, maildir_done, f);
}

/*
 * A scan of new/ takes MAILDIR_SCAN_STEP files a pass of the event
 * loop, so that a backlog of any size neither blocks LMTP sessions nor
 * holds back the moves of what is already recorded.
 */
static void
maildir_scan_step(evutil_socket_t fd, short what, void *arg)
{
	struct maildir *md = arg;
	const char *name = NULL;
	struct timeval soon = { 0, 1000 };
	int n;

	/* Read no further ahead than intake keeps up with: memory is bounded. */
	if ((intake_pending(md->intake) > MAILDIR_SCAN_AHEAD ||
	    intake_held(md->intake, "maildir") > MAILDIR_AHEAD_BYTES) &&
	    !md->stopped) {
		event_add(md->scan_step, &soon);
		return;
	}
	for (n = 0; n < MAILDIR_SCAN_STEP && !md->stopped &&
	    (name = g_dir_read_name(md->scanning)) != NULL; n++)
		maildir_submit(md, name);
	if (name != NULL && !md->stopped) {
		event_active(md->scan_step, EV_WRITE, 0);
		return;
	}
	g_clear_pointer(&md->scanning, g_dir_close);
}

/* Read new/ from its start: at start-up, on a retry, on an overflow. */
static void
maildir_scan_cb(evutil_socket_t fd, short what, void *arg)
{
	struct maildir *md = arg;
	g_autoptr(GError) error = NULL;

	if (md->scanning != NULL)
		g_dir_rewind(md->scanning);	/* a scan is on: start it over */
	else if ((md->scanning = g_dir_open(md->new_dir, 0, &error)) == NULL) {
		g_warning("maildir: %s", error->message);
		return;
	}
	event_active(md->scan_step, EV_WRITE, 0);
}

/* inotify events: one struct inotify_event after another, each sized. */
static void
maildir_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct maildir *md = arg;
	char buf[16384] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (p = buf; p < buf + n; p += sizeof *ev + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				g_warning("maildir: inotify queue overflow: "
				    "rescanning %s", md->new_dir);
				maildir_scan_cb(-1, 0, md);
			} else if (ev->len > 0 && !md->stopped)
				maildir_submit(md, ev->name);
		}
	}
}

struct maildir *
maildir_new(struct event_base *base, struct intake *intake,
    const struct conf_maildir *conf, GError **error)
{
	struct maildir *md;
	g_autofree char *other = NULL, *done = NULL;

	other = g_build_filename(conf->path, conf->other, NULL);
	done = g_build_filename(conf->path, conf->done, NULL);
	if (!mda_create(conf->path, error) ||
	    !mda_create(other, error) || !mda_create(done, error))
		return NULL;
	md = g_new0(struct maildir, 1);
	md->base = base;
	md->intake = intake;
	md->conf = conf;
	md->new_dir = g_build_filename(conf->path, "new", NULL);
	md->cur_dir = g_build_filename(done, "cur", NULL);
	md->other_new = g_build_filename(other, "new", NULL);
	md->inflight = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	md->retry = evtimer_new(base, maildir_scan_cb, md);
	md->sync = event_new(base, -1, 0, maildir_sync_cb, md);
	md->scan_step = event_new(base, -1, 0, maildir_scan_step, md);
	md->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (md->inotify_fd < 0 || inotify_add_watch(md->inotify_fd,
	    md->new_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
		    "%s: inotify: %s", md->new_dir, g_strerror(errno));
		maildir_free(&md);
		return NULL;
	}
	md->watch = event_new(base, md->inotify_fd, EV_READ | EV_PERSIST,
	    maildir_watch_cb, md);
	if (md->retry == NULL || md->sync == NULL || md->scan_step == NULL ||
	    md->watch == NULL || event_add(md->watch, NULL) != 0) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
		    "%s: cannot make its events: out of resources", md->new_dir);
		maildir_free(&md);
		return NULL;
	}
	g_info("maildir: watching %s", md->new_dir);
	maildir_scan_cb(-1, 0, md);
	return md;
}

/* Take nothing more; what is in flight still finishes. */
void
maildir_stop(struct maildir *md)
{
	md->stopped = 1;
	if (md->watch != NULL)
		event_del(md->watch);
	evtimer_del(md->retry);
	event_del(md->scan_step);
}

guint
maildir_pending(struct maildir *md)
{
	return g_hash_table_size(md->inflight);
}

void
maildir_free(struct maildir **mdp)
{
	struct maildir *md = *mdp;

	if (md == NULL)
		return;
	g_clear_pointer(&md->watch, event_free);
	g_clear_pointer(&md->retry, event_free);
	g_clear_pointer(&md->scan_step, event_free);
	if (md->scanning != NULL)
		g_dir_close(md->scanning);
	maildir_sync_cb(-1, 0, md);	/* renames of the last round */
	g_clear_pointer(&md->sync, event_free);
	if (md->inotify_fd >= 0)
		close(md->inotify_fd);
	g_hash_table_destroy(md->inflight);
	g_free(md->new_dir);
	g_free(md->cur_dir);
	g_free(md->other_new);
	g_free(md);
	*mdp = NULL;
}
