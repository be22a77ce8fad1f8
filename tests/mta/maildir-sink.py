# maildir-sink.py PORT MAILDIR: an SMTP server on 127.0.0.1:PORT
# that accepts every message and writes it into MAILDIR, as delivered
# (a Return-Path line first).  Where an MTA of the bench (Haraka) sends
# the bounces it writes by SMTP rather than delivering them itself.  It
# creates MAILDIR/.listening once it accepts.
import asyncio, mailbox, os, sys

port, path = int(sys.argv[1]), sys.argv[2]
for sub in ("tmp", "new", "cur"):
    os.makedirs(os.path.join(path, sub), exist_ok=True)
box = mailbox.Maildir(path, create=False)


async def session(reader, writer):
    def reply(line):
        writer.write(line.encode() + b"\r\n")

    sender, rcpts = None, []
    reply("220 sink.lists.example.org ESMTP")
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line.decode("latin-1").strip()
        word = verb[:4].upper()
        if word == "EHLO":
            reply("250-sink.lists.example.org")
            reply("250 8BITMIME")
        elif word == "HELO":
            reply("250 sink.lists.example.org")
        elif word == "MAIL":
            sender, rcpts = verb.split(":", 1)[1].strip().split(" ")[0], []
            reply("250 2.1.0 ok")
        elif word == "RCPT":
            rcpts.append(verb.split(":", 1)[1].strip())
            reply("250 2.1.5 ok")
        elif word == "DATA":
            reply("354 go on")
            data = []
            while True:
                d = await reader.readline()
                if not d or d.rstrip(b"\r\n") == b".":
                    break
                data.append(d[1:] if d.startswith(b"..") else d)
            msg = b"Return-Path: " + (sender or "<>").encode() + b"\n"
            msg += b"".join(data).replace(b"\r\n", b"\n")
            box.add(msg)
            reply("250 2.0.0 delivered")
        elif word == "QUIT":
            reply("221 2.0.0 bye")
            break
        else:
            reply("250 2.0.0 ok")
        await writer.drain()
    writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", port)
    open(os.path.join(path, ".listening"), "w").close()
    async with server:
        await server.serve_forever()

asyncio.run(main())
