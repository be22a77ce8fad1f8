#!/usr/bin/python3
# probe-peer.py: a scripted SMTP server for tests/probe.sh, stdlib only:
# the remote mail server of the probed addresses, or the relay itself.
#
#   probe-peer.py PORTFILE SPOOL [--dead LOCALPART]... [--stall-first]
#
# Listens on a free port of 127.0.0.1 and writes it to PORTFILE once it
# accepts.  RCPT TO a local part given with --dead gets "550 5.1.1 ...
# User unknown"; any other gets 250.  Each message taken is written to
# SPOOL/N.eml, its envelope first ("X-Peer-From:", "X-Peer-To:"), then
# 250.  With --stall-first the first message gets no reply after its
# final "." (SPOOL/stalled says it came): the client must be killed, and
# the message is not kept, as an MTA keeps nothing it did not answer.
import asyncio
import os
import sys

args = sys.argv[1:]
portfile, spool = args[0], args[1]
dead = {args[i + 1].lower() for i, a in enumerate(args) if a == "--dead"}
stall = ["--stall-first" in args]
count = [0]


async def session(reader, writer):
    def say(line):
        writer.write((line + "\r\n").encode())

    say("220 peer.remote.test ESMTP probe-peer")
    sender, rcpts = None, []
    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = line.decode("utf-8", "replace").rstrip("\r\n")
        verb = cmd[:4].upper()
        if verb in ("EHLO", "HELO"):
            say("250 peer.remote.test")
        elif verb == "MAIL":
            sender, rcpts = cmd[10:].strip().strip("<>").split(">")[0], []
            say("250 2.1.0 Ok")
        elif verb == "RCPT":
            addr = cmd[8:].strip().strip("<>").split(">")[0]
            if addr.split("@")[0].lower() in dead:
                say("550 5.1.1 <%s>: Recipient address rejected: "
                    "User unknown in local recipient table" % addr)
            else:
                rcpts.append(addr)
                say("250 2.1.5 Ok")
        elif verb == "DATA":
            if not rcpts:
                say("554 5.5.1 Error: no valid recipients")
                continue
            say("354 End data with <CR><LF>.<CR><LF>")
            await writer.drain()
            body = []
            while True:
                l = await reader.readline()
                if not l or l in (b".\r\n", b".\n"):
                    break
                body.append(l[1:] if l.startswith(b"..") else l)
            if not l:
                break
            if stall[0]:
                stall[0] = False
                open(os.path.join(spool, "stalled"), "w").close()
                await reader.read()     # until the client is gone
                break
            count[0] += 1
            path = os.path.join(spool, "%d.eml" % count[0])
            with open(path + ".tmp", "wb") as f:
                f.write(("X-Peer-From: %s\r\nX-Peer-To: %s\r\n" %
                         (sender, ",".join(rcpts))).encode())
                f.writelines(body)
            os.rename(path + ".tmp", path)
            say("250 2.0.0 Ok: queued as P%d" % count[0])
        elif verb == "RSET":
            sender, rcpts = None, []
            say("250 2.0.0 Ok")
        elif verb == "QUIT":
            say("221 2.0.0 Bye")
            await writer.drain()
            break
        else:
            say("250 2.0.0 Ok" if verb == "NOOP" else "502 5.5.2 Error")
        await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)
    async with server:
        await server.serve_forever()

asyncio.run(main())
