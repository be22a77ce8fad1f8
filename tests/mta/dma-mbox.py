# dma-mbox.py MBOX MAILDIR: moves each message dma appends to MBOX into
# MAILDIR (dma delivers local mail to an mbox only).  Run by
# tests/mta/dma.sh, outside the root.  dma appends under flock(2), so the
# mover holds flock on the file while it takes the messages and empties
# it: a bounce written meanwhile waits, and none is lost.
import fcntl, mailbox, os, sys, time

mbox_path, maildir_path = sys.argv[1:3]
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(maildir_path, sub), exist_ok=True)
md = mailbox.Maildir(maildir_path, create=False)
open(os.path.join(maildir_path, ".mover"), "w").close()
while True:
    if os.path.exists(mbox_path) and os.path.getsize(mbox_path) > 0:
        with open(mbox_path, "r+b") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            for msg in mailbox.mbox(mbox_path, create=False):
                md.add(mailbox.MaildirMessage(msg))
            f.truncate(0)
            fcntl.flock(f, fcntl.LOCK_UN)
    time.sleep(0.1)
