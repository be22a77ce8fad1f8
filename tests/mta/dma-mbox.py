# dma-mbox.py MBOX MAILDIR: moves each message dma appends to MBOX into
# MAILDIR (dma delivers local mail to an mbox only).  Run by
# tests/mta/dma.sh, outside the root; it holds dma's own lock (MBOX.lock, as liblockfile
# makes it) while it takes the messages and empties the file.
import mailbox, os, sys, time

mbox_path, maildir_path = sys.argv[1:3]
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(maildir_path, sub), exist_ok=True)
md = mailbox.Maildir(maildir_path, create=False)
open(os.path.join(maildir_path, ".mover"), "w").close()
while True:
    if os.path.exists(mbox_path) and os.path.getsize(mbox_path) > 0:
        mb = mailbox.mbox(mbox_path, create=False)
        mb.lock()
        try:
            for msg in mb:
                md.add(mailbox.MaildirMessage(msg))
            with open(mbox_path, "r+") as f:
                f.truncate(0)
        finally:
            mb.unlock()
            mb.close()
    time.sleep(0.1)
