#!/usr/bin/env python3
"""webhook-post.py: post a webhook body as a sending service does, signed
by the test's own key; print the HTTP status answered.

  webhook-post.py PORT PATH FILE [mailgun KEY TIMESTAMP TOKEN]
  webhook-post.py PORT PATH FILE basic USER PASSWORD
  webhook-post.py PORT PATH FILE sendgrid PEMKEY TIMESTAMP

FILE's @TIMESTAMP@, @TOKEN@ and @SIGNATURE@ are replaced as Mailgun
signs ("Securing Webhooks", documentation.mailgun.com: the hex
HMAC-SHA256 of timestamp and token, keyed with the signing key).
"sendgrid" signs as SendGrid's Event Webhook does ("Getting Started
with the Event Webhook Security Features", docs.sendgrid.com): ECDSA
P-256 with SHA-256 over the timestamp then the body, by the openssl
command with the test's key, in two headers.  "basic" sends HTTP Basic
credentials, as Postmark does with the
user and password of its webhook URL.  TIMESTAMP "now" is the clock's; FILE "-" reads stdin (sent as is).
With TLS_NAME and TLS_CA set in the environment, the post goes over TLS
to 127.0.0.1:PORT as to TLS_NAME, trusting the CA file TLS_CA only (a
reverse proxy in front of reboundd, tests/webhook-proxy.sh).
"""
import base64
import hashlib
import hmac
import http.client
import os
import socket
import ssl
import subprocess
import sys
import time


def sign_mailgun(body, key, timestamp, token):
    if timestamp == "now":
        timestamp = str(int(time.time()))
    mac = hmac.new(key.encode(), (timestamp + token).encode(),
                   hashlib.sha256).hexdigest()
    return (body.replace("@TIMESTAMP@", timestamp)
            .replace("@TOKEN@", token).replace("@SIGNATURE@", mac))


class LoopbackTLS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, checked as the name it was made with."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port),
                                        self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def connection(port):
    if os.environ.get("TLS_NAME"):
        ctx = ssl.create_default_context(cafile=os.environ["TLS_CA"])
        return LoopbackTLS(os.environ["TLS_NAME"], int(port), timeout=60,
                           context=ctx)
    return http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)


def main():
    port, path, name = sys.argv[1:4]
    body = sys.stdin.read() if name == "-" else open(name).read()
    headers = {"Content-Type": "application/json"}
    if len(sys.argv) > 4 and sys.argv[4] == "mailgun":
        body = sign_mailgun(body, *sys.argv[5:8])
    if len(sys.argv) > 4 and sys.argv[4] == "sendgrid":
        ts = sys.argv[6] if sys.argv[6] != "now" else str(int(time.time()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign",
                              sys.argv[5]], input=(ts + body).encode(),
                             capture_output=True, check=True).stdout
        headers["X-Twilio-Email-Event-Webhook-Signature"] = \
            base64.b64encode(sig).decode()
        headers["X-Twilio-Email-Event-Webhook-Timestamp"] = ts
    if len(sys.argv) > 4 and sys.argv[4] == "basic":
        pair = (sys.argv[5] + ":" + sys.argv[6]).encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    conn = connection(port)
    try:
        conn.request("POST", path, body.encode(), headers)
        print(conn.getresponse().status)
    except (ConnectionError, http.client.HTTPException) as e:
        print("error", type(e).__name__)


main()
