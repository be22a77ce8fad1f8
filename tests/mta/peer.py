#!/usr/bin/python3
"""peer.py: the scripted remote SMTP server of the MTA bench.

Every MTA under test relays all its mail here.  The recipient's local
part names a scenario of scenarios.tab, which says at which step of the
session the peer answers what.  A recipient that names no scenario gets
250.  Faults of the whole connection (the greeting, EHLO, MAIL, a
greeting that never comes) cannot wait for RCPT to learn whose mail it
is: such a scenario's domain, <id>.peer.test, is routed by the MTA to an
address of its own (127.0.1.N), and the peer tells them apart by the
address a connection came in on.  The routes are written to --routes
for the MTAs' configurations.  A refused connection is an address
nothing listens on.

    peer.py --port P --scenarios scenarios.tab --log FILE [--routes FILE]
"""
import argparse
import asyncio
import sys
import time

CONN_PHASES = ("greeting", "ehlo", "mail", "nogreeting")
SIZE_LIMIT = 20000
REFUSE_ADDR = "127.0.2.1"


def load(path):
    """Scenarios by id, in file order: a dict of the named columns."""
    cols = ("id", "phase", "code", "xcode", "text", "class", "reason",
            "status", "source")
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            v = line.split("\t")
            v += [""] * (len(cols) - len(v))
            out[v[0]] = dict(zip(cols, v))
    return out


def reply(sc):
    """The reply lines of a scenario: "\\n" in the text continues it."""
    code = sc["code"]
    x = sc["xcode"]
    parts = sc["text"].split("\\n")
    lines = []
    for i, p in enumerate(parts):
        sep = "-" if i < len(parts) - 1 else " "
        lines.append(code + sep + (x + " " if x and x != "-" else "") + p)
    return "".join(l + "\r\n" for l in lines).encode()


class Peer:
    def __init__(self, scenarios, logf):
        self.sc = scenarios
        self.logf = logf

    def log(self, addr, what):
        self.logf.write("%.3f %s %s\n" % (time.time(), addr, what))
        self.logf.flush()

    def conn_scenario(self, local):
        for sc in self.sc.values():
            if sc.get("addr") == local:
                return sc
        return None

    async def session(self, reader, writer):
        local = writer.get_extra_info("sockname")[0]
        sc = self.conn_scenario(local)
        try:
            await self.converse(reader, writer, local, sc)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.log(local, "connection lost")
        finally:
            writer.close()

    async def readline(self, reader, local):
        line = await reader.readline()
        if not line:
            raise ConnectionError
        self.log(local, "< " + line.decode("latin-1").rstrip())
        return line.decode("latin-1").rstrip("\r\n")

    async def send(self, writer, local, data):
        self.log(local, "> " + data.decode().rstrip().replace("\r\n", " | "))
        writer.write(data)
        await writer.drain()

    async def refuse_rest(self, reader, writer, local):
        """After a refused greeting: QUIT is answered, all else 503."""
        while True:
            cmd = (await self.readline(reader, local)).upper()
            if cmd.startswith("QUIT"):
                await self.send(writer, local, b"221 2.0.0 Bye\r\n")
                return
            await self.send(writer, local, b"503 5.5.1 Bad sequence\r\n")

    async def converse(self, reader, writer, local, csc):
        phase = csc["phase"] if csc else ""
        self.log(local, "connect %s" % (csc["id"] if csc else "-"))
        if phase == "nogreeting":
            await reader.read()		# until the client gives up
            raise ConnectionError
        if phase == "greeting":
            await self.send(writer, local, reply(csc))
            if csc["code"] == "421":
                return
            return await self.refuse_rest(reader, writer, local)
        await self.send(writer, local, b"220 peer.test ESMTP bench\r\n")
        rcpts = []
        while True:
            line = await self.readline(reader, local)
            cmd = line[:4].upper()
            if cmd in ("EHLO", "HELO"):
                if phase == "ehlo":
                    await self.send(writer, local, reply(csc))
                    if csc["code"] == "421":
                        return
                elif cmd == "EHLO":
                    await self.send(writer, local, (
                        "250-peer.test\r\n250-PIPELINING\r\n"
                        "250-SIZE %d\r\n250-8BITMIME\r\n"
                        "250 ENHANCEDSTATUSCODES\r\n" % SIZE_LIMIT).encode())
                else:
                    await self.send(writer, local, b"250 peer.test\r\n")
            elif cmd == "MAIL":
                rcpts = []
                size = 0
                up = line.upper()
                if " SIZE=" in up:
                    size = int(up.split(" SIZE=")[1].split()[0])
                if phase == "mail":
                    await self.send(writer, local, reply(csc))
                    if csc["code"] == "421":
                        return
                elif size > SIZE_LIMIT:
                    await self.send(writer, local, (
                        "552 5.3.4 Message size exceeds fixed maximum "
                        "message size (%d)\r\n" % SIZE_LIMIT).encode())
                else:
                    await self.send(writer, local, b"250 2.1.0 Ok\r\n")
            elif cmd == "RCPT":
                addr = line.split(":", 1)[1].strip().split()[0].strip("<>")
                sc = self.sc.get(addr.split("@")[0])
                if sc and sc["phase"] == "rcpt":
                    await self.send(writer, local, reply(sc))
                    if sc["code"] == "421":
                        return
                else:
                    rcpts.append(sc)
                    await self.send(writer, local, b"250 2.1.5 Ok\r\n")
            elif cmd == "DATA":
                sc = rcpts[0] if rcpts else None
                if not rcpts:
                    await self.send(writer, local,
                                    b"554 5.5.1 No valid recipients\r\n")
                    continue
                if sc and sc["phase"] == "data":
                    await self.send(writer, local, reply(sc))
                    if sc["code"] == "421":
                        return
                    continue
                await self.send(writer, local,
                                b"354 End data with <CR><LF>.<CR><LF>\r\n")
                if await self.data(reader, writer, local, sc):
                    return
            elif cmd == "RSET":
                rcpts = []
                await self.send(writer, local, b"250 2.0.0 Ok\r\n")
            elif cmd == "NOOP":
                await self.send(writer, local, b"250 2.0.0 Ok\r\n")
            elif cmd == "QUIT":
                await self.send(writer, local, b"221 2.0.0 Bye\r\n")
                return
            else:
                await self.send(writer, local,
                                b"502 5.5.2 Command not implemented\r\n")

    async def data(self, reader, writer, local, sc):
        """The message and the reply after it; true to end the session."""
        phase = sc["phase"] if sc else ""
        n = 0
        size = 0
        while True:
            line = await reader.readline()
            if not line:
                raise ConnectionError
            n += 1
            size += len(line)
            if phase == "dropdata" and n >= 5:
                self.log(local, "drop in DATA %s" % sc["id"])
                writer.transport.abort()
                return True
            if line in (b".\r\n", b".\n"):
                break
        self.log(local, "end of data (%d bytes) %s" %
                 (size, sc["id"] if sc else "-"))
        if phase == "delay":
            await reader.read()		# no reply: the client times out
            raise ConnectionError
        if phase == "eom":
            await self.send(writer, local, reply(sc))
            return sc["code"] == "421"
        if size > SIZE_LIMIT:
            await self.send(writer, local, (
                "552 5.3.4 Message size exceeds fixed maximum message "
                "size (%d)\r\n" % SIZE_LIMIT).encode())
            return False
        await self.send(writer, local, b"250 2.0.0 Ok: queued\r\n")
        return False


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--scenarios", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--routes")
    a = ap.parse_args()
    scenarios = load(a.scenarios)
    routes = []
    n = 0
    for sc in scenarios.values():
        if sc["phase"] in CONN_PHASES:
            n += 1
            sc["addr"] = "127.0.1.%d" % n
            routes.append((sc["id"] + ".peer.test", sc["addr"]))
        elif sc["phase"] == "refuse":
            routes.append((sc["id"] + ".peer.test", REFUSE_ADDR))
    if n > 250:
        sys.exit("peer.py: more than 250 connection scenarios")
    logf = open(a.log, "a", encoding="utf-8")
    peer = Peer(scenarios, logf)
    servers = [await asyncio.start_server(peer.session, "127.0.0.1", a.port)]
    for sc in scenarios.values():
        if "addr" in sc:
            servers.append(await asyncio.start_server(
                peer.session, sc["addr"], a.port))
    if a.routes:
        with open(a.routes + ".tmp", "w") as f:
            for d, ip in routes:
                f.write("%s\t%s\n" % (d, ip))
        import os
        os.rename(a.routes + ".tmp", a.routes)
    peer.log("-", "listening on port %d, %d scenarios" %
             (a.port, len(scenarios)))
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
