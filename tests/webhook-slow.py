#!/usr/bin/env python3
"""webhook-slow.py: a client that misbehaves at the webhook listener; print
what it got: the status answered, "closed" when the connection was closed
with no answer, or "open" when nothing happened within 60 s.

  webhook-slow.py PORT headers    a slowloris: the request line, then a
                                  header byte every 0.1 s, never ending
  webhook-slow.py PORT headlines  header lines of 500 bytes, one every
                                  0.1 s, never ending
  webhook-slow.py PORT body       the whole head (Content-Length: 4096),
                                  then a body byte every 0.1 s
  webhook-slow.py PORT bighead [N] one header of N bytes (10,000), the
                                  request sent whole at once
  webhook-slow.py PORT idle PATH  one complete keep-alive post to PATH
                                  (answered), then nothing: what comes
                                  after its answer
  webhook-slow.py PORT expect PATH  a post of "{}" with "Expect:
                                  100-continue": the body only after the
                                  interim answer; prints both statuses
  webhook-slow.py PORT hold N     open N connections that each send the
                                  start of a request line, print
                                  "held", and keep them until stdin ends

Each waits on the server: a byte is sent only while no answer has come.
"""
import select
import socket
import sys
import time


def answer(s, deadline):
    """The status of what s receives before deadline, or closed/open."""
    data = b""
    while time.time() < deadline:
        r, _, _ = select.select([s], [], [], deadline - time.time())
        if not r:
            break
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            break
        data += chunk
        if b"\r\n" in data:
            break
    if data.startswith(b"HTTP/"):
        return data.split(b" ")[1].decode()
    return "closed" if time.time() < deadline else "open"


def trickle(s, head, byte):
    """Send head, then byte after byte until the server answers."""
    s.sendall(head)
    deadline = time.time() + 60
    while time.time() < deadline:
        r, _, _ = select.select([s], [], [], 0.1)
        if r:
            return answer(s, deadline)
        try:
            s.sendall(byte)
        except OSError:
            return answer(s, deadline)
    return "open"


def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port))
    if what == "headers":
        print(trickle(s, b"POST /mg HTTP/1.1\r\nHost: x\r\nX-Slow: ", b"a"))
    elif what == "headlines":
        print(trickle(s, b"POST /mg HTTP/1.1\r\nHost: x\r\n",
                      b"X-Line: " + b"b" * 490 + b"\r\n"))
    elif what == "body":
        print(trickle(s, b"POST /mg HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: 4096\r\n\r\n{", b" "))
    elif what == "bighead":
        pad = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
        s.sendall(b"POST /mg HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * pad
                  + b"\r\nContent-Length: 2\r\n\r\n{}")
        print(answer(s, time.time() + 60))
    elif what == "idle":
        s.sendall(b"POST " + sys.argv[3].encode() + b" HTTP/1.1\r\n"
                  b"Host: x\r\nContent-Length: 2\r\n\r\n{}")
        first = answer(s, time.time() + 60)
        rest = b""
        s.settimeout(60)
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                rest += chunk
        except OSError:
            pass
        # The first answer's own body may follow its status line.
        print(first, "then", "408" if b"HTTP/1.1 408" in rest else "closed")
    elif what == "expect":
        s.sendall(b"POST " + sys.argv[3].encode() + b" HTTP/1.1\r\n"
                  b"Host: x\r\nContent-Length: 2\r\n"
                  b"Expect: 100-continue\r\n\r\n")
        s.settimeout(60)
        interim = s.recv(4096)
        s.sendall(b"{}")
        final = answer(s, time.time() + 60)
        print(interim.split(b" ")[1].decode(), "then", final)
    elif what == "hold":
        socks = [s] + [socket.create_connection(("127.0.0.1", port))
                       for _ in range(int(sys.argv[3]) - 1)]
        for c in socks:
            c.sendall(b"POS")
        print("held", flush=True)
        sys.stdin.read()


main()
