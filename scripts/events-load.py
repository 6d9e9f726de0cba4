#!/usr/bin/env python3
"""Does a crowd of open event streams slow the tracker? (issue 6's speed figure)

Posts N articles to POST /api/articles of a running `claimtrail serve`, first with no event
stream open, then with S streams open on /api/events (each read continuously, as a browser
would), and prints articles/s for both and how many events each stream received.

Usage: scripts/events-load.py URL [N] [S]    (defaults: 300 articles, 200 streams)
Start the server on an empty database, e.g.
    claimtrail --db /tmp/ev.db serve --no-sample --addr 127.0.0.1:18081
The articles are generated here: short, distinct, in two unrelated batches.
"""
import json, selectors, socket, sys, threading, time, urllib.request
from urllib.parse import urlparse

url = sys.argv[1].rstrip("/")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
streams = int(sys.argv[3]) if len(sys.argv) > 3 else 200
host = urlparse(url)

TOWNS = "Alder Birch Cedar Dogwood Elm Fir Ginkgo Hazel Ivy Juniper Larch Maple".split()

def article(batch, i):
    town = TOWNS[i % len(TOWNS)]
    return {
        "url": f"https://load{batch}.example/{i}",
        "source": f"Outlet {i % 7}",
        "title": f"{town} council {batch}-{i} votes on harbour plan",
        "text": (f"Mayor {town} said on Monday that harbour project {batch}-{i} would go ahead "
                 f"despite objections. Officials at depot {i * 7919 % 10007} denied reports of "
                 f"delays, and the union said {i % 50 + 3} workers had walked out in protest."),
    }

def post_all(batch):
    start = time.monotonic()
    for i in range(n):
        req = urllib.request.Request(url + "/api/articles", method="POST",
                                     data=json.dumps(article(batch, i)).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            r.read()
    return n / (time.monotonic() - start)

counts = []
stop = threading.Event()

def reader(socks):
    sel = selectors.DefaultSelector()
    for k, s in enumerate(socks):
        sel.register(s, selectors.EVENT_READ, k)
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.2):
            data = key.fileobj.recv(65536)
            counts[key.data] += data.count(b"event: article") + data.count(b"event: copy")

rate0 = post_all(1)
print(f"no streams open: {rate0:.1f} articles/s")
socks = []
for _ in range(streams):
    s = socket.create_connection((host.hostname, host.port))
    s.sendall(f"GET /api/events HTTP/1.1\r\nHost: {host.netloc}\r\nAccept: text/event-stream\r\n\r\n".encode())
    socks.append(s)
    counts.append(0)
t = threading.Thread(target=reader, args=(socks,), daemon=True)
t.start()
time.sleep(1)
rate1 = post_all(2)
time.sleep(1)
stop.set()
t.join()
print(f"{streams} streams open: {rate1:.1f} articles/s ({rate1 / rate0 * 100:.0f} % of the rate without)")
print(f"article and copy events per stream: min {min(counts)}, max {max(counts)} (articles posted: {n})")
