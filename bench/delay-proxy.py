#!/usr/bin/env python3
# delay-proxy.py LISTEN UPSTREAM MS: a unix-socket proxy that delivers
# every byte MS/2 milliseconds late each way, so that a round trip
# through it costs MS more: a PostgreSQL on another host, for
# bench/pg.sh's RTT mode, where tc's netem is not at hand.
import asyncio, os, sys

listen, upstream, delay = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 2000

async def pump(reader, writer):
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            loop.call_later(delay, writer.write, data)
    finally:
        loop.call_later(delay, writer.close)

async def serve(creader, cwriter):
    ureader, uwriter = await asyncio.open_unix_connection(upstream)
    await asyncio.gather(pump(creader, uwriter), pump(ureader, cwriter),
                         return_exceptions=True)

async def main():
    if os.path.exists(listen):
        os.unlink(listen)
    server = await asyncio.start_unix_server(serve, listen)
    os.chmod(listen, 0o777)
    async with server:
        await server.serve_forever()

asyncio.run(main())
