#!/usr/bin/python3
"""webhook-receiver.py: a receiver for rebound's webhook hook.

    REBOUND_SECRET=the-secret contrib/webhook-receiver.py [PORT]

Listens on 127.0.0.1:PORT (default 8025), checks each POST's signature
(Rebound-Signature: sha256=HMAC-SHA256(secret, timestamp "." body)) and
that its Rebound-Timestamp is within 5 minutes, and prints each event
(one JSON object a line) once: delivery is at least once, so an event id
seen before is acknowledged again and not printed.  A bad signature gets
401, which rebound parks as failed for the operator.  Put what your list
needs where it prints.
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import time

SECRET = os.environ["REBOUND_SECRET"].encode()
MAX_SKEW = 300
seen = set()


def signed(headers, body):
    stamp = headers.get("Rebound-Timestamp", "")
    want = "sha256=" + hmac.new(SECRET, stamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
    return (stamp.isdigit() and abs(time.time() - int(stamp)) <= MAX_SKEW
            and hmac.compare_digest(headers.get("Rebound-Signature", ""), want))


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not signed(self.headers, body):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        if event["id"] not in seen:
            seen.add(event["id"])
            print(json.dumps(event), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


port = int(sys.argv[1]) if len(sys.argv) > 1 else 8025
http.server.HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
