#!/usr/bin/env python3
"""sns-server.py: the test's stand-in for sns.REGION.amazonaws.com, over
HTTPS with a certificate of the test's own CA.

  sns-server.py DIR CERT KEY

Serves the files of DIR (the signing certificate), and /slow/NAME as
NAME once DIR/release exists (a fetch that hangs until the test says);
answers the SubscribeURL's GET (/?Action=ConfirmSubscription...) with
200; every request line goes to DIR/requests.log as it comes.  It listens on a
free port of 127.0.0.1 and writes the port to DIR/port once it does.
"""
import http.server
import os
import ssl
import sys
import time

root, cert, key = sys.argv[1:4]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(root, "requests.log"), "a") as log:
            log.write("GET %s\n" % self.path)
        name = os.path.join(root, os.path.basename(self.path))
        if self.path.startswith("/slow/"):
            while not os.path.exists(os.path.join(root, "release")):
                time.sleep(0.05)
            body = open(name, "rb").read()
        elif self.path.startswith("/?Action=ConfirmSubscription"):
            body = b"<ConfirmSubscriptionResponse/>"
        elif "/" not in self.path[1:] and os.path.isfile(name):
            body = open(name, "rb").read()
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
with open(os.path.join(root, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
server.serve_forever()
