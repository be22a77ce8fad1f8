#!/usr/bin/env python3
"""sns-sign.py: an SNS message as an HTTPS subscription receives it, signed
by the test's key, on stdout.

  sns-sign.py KEY VERSION CERTURL TOPIC Notification MESSAGEFILE [ID]
  sns-sign.py KEY VERSION CERTURL TOPIC SubscriptionConfirmation SUBSCRIBEURL [ID]
  sns-sign.py KEY VERSION CERTURL TOPIC UnsubscribeConfirmation SUBSCRIBEURL [ID]

The envelope follows "HTTP/HTTPS notification JSON format",
"HTTP/HTTPS subscription confirmation JSON format" and "HTTP/HTTPS
unsubscribe confirmation JSON format" (SNS developer guide,
docs.aws.amazon.com/sns/latest/dg/); the string to sign follows
"Verifying the signatures of Amazon SNS messages": each field's name and
value on a line of their own, Message, MessageId, Subject (when present),
Timestamp, TopicArn, Type for a notification, Message, MessageId,
SubscribeURL, Timestamp, Token, TopicArn, Type for a confirmation.
VERSION 1 signs with SHA1withRSA, 2 with SHA256withRSA (openssl).
MESSAGEFILE "-" reads stdin; its text becomes the Message string.  With
SNS_SUBJECT in the environment, a notification has that Subject.
"""
import base64
import json
import os
import subprocess
import sys
import uuid

FIELDS = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp",
                     "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL",
                                 "Timestamp", "Token", "TopicArn", "Type"],
}
FIELDS["UnsubscribeConfirmation"] = FIELDS["SubscriptionConfirmation"]


def main():
    key, version, cert_url, topic, kind, what = sys.argv[1:7]
    msg_id = sys.argv[7] if len(sys.argv) > 7 else str(uuid.uuid4())
    env = {"Type": kind, "MessageId": msg_id, "TopicArn": topic,
           "Timestamp": "2026-12-06T15:00:00.000Z",
           "SignatureVersion": version, "SigningCertURL": cert_url}
    if kind == "Notification":
        env["Message"] = (sys.stdin.read() if what == "-"
                          else open(what).read())
        if os.environ.get("SNS_SUBJECT"):
            env["Subject"] = os.environ["SNS_SUBJECT"]
        env["UnsubscribeURL"] = cert_url.rsplit("/", 1)[0] + \
            "/?Action=Unsubscribe&SubscriptionArn=" + topic + ":1"
    else:
        token = uuid.uuid4().hex * 2
        env["Token"] = token
        env["SubscribeURL"] = what + "&Token=" + token
        env["Message"] = ("You have chosen to subscribe to the topic " +
                          topic + ".\nTo confirm the subscription, visit "
                          "the SubscribeURL included in this message.")
    text = "".join("%s\n%s\n" % (f, env[f]) for f in FIELDS[kind] if f in env)
    digest = "-sha1" if version == "1" else "-sha256"
    sig = subprocess.run(["openssl", "dgst", digest, "-sign", key],
                         input=text.encode(), capture_output=True,
                         check=True).stdout
    env["Signature"] = base64.b64encode(sig).decode()
    print(json.dumps(env, indent=2))


main()
