#!/usr/bin/python3
"""hook-receiver.py: the far end of reboundd's hooks, for tests/hooks.sh.

    hook-receiver.py DIR webhook SECRET
    hook-receiver.py DIR listmonk USER:PASSWORD

Listens on a free port of 127.0.0.1, writes it to DIR/port, and appends
one line per request to DIR/log, flushed at once.

webhook: checks what rebound promises (rebound(1), HOOKS): a POST with
Content-Type application/json, Rebound-Event equal to the body's "id",
Rebound-Timestamp within 5 minutes, Rebound-Signature the HMAC-SHA256
of timestamp "." body under SECRET, "version": 1.  Logs
"ID ADDRESS TYPE ok|bad:WHY STATUS" and answers
  503 while DIR/down exists (the receiver is "down"),
  400 for an address whose local part starts with "refused" (until
      DIR/accept exists),
  503 the first time it sees an event of an address starting "flaky",
  the first time for an address starting "cut": a 200 whose body
      stops short, the connection closed mid-answer (logged "cut"),
  the first time for an address starting "slow": 200 after
      SLOW_SECONDS, longer than hooks.sh's [hooks] timeout (logged
      "late"),
  while DIR/hold exists: nothing, the request held (logged "held" at
      once: a receiver that hangs), then 503 once DIR/hold is gone,
  200 otherwise.

listmonk: listmonk is not packaged for Debian, so this stands in for
it and checks each request against its documentation, "Bounce
processing", Webhook API, https://listmonk.app/docs/bounces/ :
POST /webhooks/bounce, HTTP Basic with an API user (USER:PASSWORD),
a JSON object with "email" (or "subscriber_uuid"), "source" (required),
"type" (required: hard, soft; complaint in current versions), and
"meta", "an optional escaped JSON string"; no other fields than those
and "campaign_uuid".  Logs "EMAIL TYPE SOURCE ok|bad:WHY" and answers
200 {"data": true} (as listmonk does), or 400 for a bad request and
401 for bad credentials.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

directory, mode, key = sys.argv[1], sys.argv[2], sys.argv[3]
SLOW_SECONDS = 8
lock = threading.Lock()
seen = {}


def log(line):
    with lock, open(os.path.join(directory, "log"), "a") as f:
        f.write(line + "\n")


def check_webhook(headers, body):
    if headers.get("Content-Type") != "application/json":
        return "content-type"
    stamp = headers.get("Rebound-Timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return "timestamp"
    want = "sha256=" + hmac.new(key.encode(), stamp.encode() + b"." + body,
                                hashlib.sha256).hexdigest()
    if not hmac.compare_digest(headers.get("Rebound-Signature", ""), want):
        return "signature"
    event = json.loads(body)
    if str(event.get("id")) != headers.get("Rebound-Event"):
        return "event-id"
    if event.get("version") != 1:
        return "version"
    return None


def check_listmonk(headers, path, body):
    if path != "/webhooks/bounce":
        return "path " + path
    if headers.get("Content-Type") != "application/json":
        return "content-type"
    try:
        b = json.loads(body)
    except ValueError:
        return "not-json"
    if not isinstance(b, dict):
        return "not-an-object"
    extra = set(b) - {"subscriber_uuid", "email", "campaign_uuid", "source",
                      "type", "meta"}
    if extra:
        return "unknown-fields " + ",".join(sorted(extra))
    if not isinstance(b.get("email"), str) and \
            not isinstance(b.get("subscriber_uuid"), str):
        return "no-email"
    if not isinstance(b.get("source"), str) or not b["source"]:
        return "no-source"
    if b.get("type") not in ("hard", "soft", "complaint"):
        return "type"
    if "meta" in b:
        if not isinstance(b["meta"], str):
            return "meta-not-a-string"
        try:
            json.loads(b["meta"])
        except ValueError:
            return "meta-not-json"
    return None


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if body:
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def webhook(self, body):
        why = check_webhook(self.headers, body)
        try:
            event = json.loads(body)
        except ValueError:
            event = {}
        address = event.get("address") or "-"
        eid = str(event.get("id"))
        with lock:
            seen[eid] = seen.get(eid, 0) + 1
            first = seen[eid] == 1
        line = "%s %s %s %s" % (eid, address, event.get("type"),
                                "ok" if why is None else "bad:" + why)
        if address.startswith("cut") and first:
            log(line + " cut")
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
                             b"Content-Type: application/json\r\n\r\n{")
            self.wfile.flush()
            self.close_connection = True
            return
        if address.startswith("slow") and first:
            time.sleep(SLOW_SECONDS)
            log(line + " late")
            try:
                self.answer(200)
            except OSError:
                pass
            return
        hold = os.path.join(directory, "hold")
        if os.path.exists(hold):
            log(line + " held")
            while os.path.exists(hold):
                time.sleep(0.05)
            status = 503
        elif os.path.exists(os.path.join(directory, "down")):
            status = 503
        elif address.startswith("refused") and \
                not os.path.exists(os.path.join(directory, "accept")):
            status = 400
        elif address.startswith("flaky") and first:
            status = 503
        else:
            status = 200
        log("%s %d" % (line, status))
        self.answer(status)

    def listmonk(self, body):
        auth = self.headers.get("Authorization", "")
        if auth != "Basic " + base64.b64encode(key.encode()).decode():
            log("- - - bad:credentials")
            self.answer(401, b'{"message": "invalid API credentials"}')
            return
        why = check_listmonk(self.headers, self.path, body)
        try:
            b = json.loads(body)
        except ValueError:
            b = {}
        log("%s %s %s %s" % (b.get("email"), b.get("type"), b.get("source"),
                             "ok" if why is None else "bad:" + why))
        if why is None:
            self.answer(200, b'{"data": true}')
        else:
            self.answer(400, b'{"message": "bad request"}')

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if mode == "webhook":
            self.webhook(body)
        else:
            self.listmonk(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
with open(os.path.join(directory, "port.tmp"), "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
server.serve_forever()
