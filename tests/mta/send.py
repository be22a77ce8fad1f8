#!/usr/bin/python3
"""send.py PORT FROM RCPT FILE: one message over SMTP to 127.0.0.1:PORT.
"--ready PORT": exit 0 when a 220 greeting comes from the port."""
import smtplib
import sys

if sys.argv[1] == "--ready":
    try:
        s = smtplib.SMTP("127.0.0.1", int(sys.argv[2]), timeout=5)
        s.quit()
    except (OSError, smtplib.SMTPException):
        sys.exit(1)
    sys.exit(0)
port, sender, rcpt, path = sys.argv[1:5]
with open(path, "rb") as f:
    msg = f.read()
try:
    s = smtplib.SMTP("127.0.0.1", int(port), timeout=60)
    s.sendmail(sender, [rcpt], msg)
    s.quit()
except (OSError, smtplib.SMTPException) as e:
    sys.exit("send.py: %s: %s" % (rcpt, e))
