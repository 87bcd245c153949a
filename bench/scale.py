#!/usr/bin/env python3
"""Scale benchmark for the feed scheduler (issue 3), driven by bench/scale.sh:
N sources on one loopback fixture server, each polled every INTERVAL seconds (short
intervals stand in for 5 minutes: 60 s of this is an hour at a 5-minute scale), run
by `inspraak daemon --no-server` for DURATION seconds. Reports whether every source was
fetched within its interval (+10% jitter, +2 s for a pass in progress), the most connections the
server saw at once (per-host limit 2), and the daemon's memory over time."""
import json, os, re, signal, statistics, subprocess, sys, tempfile, threading, time, urllib.request

binary, fixserve, n, interval, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
work = tempfile.mkdtemp(prefix="inspraak-scale-")
os.makedirs(f"{work}/www")
for i in range(n):
    with open(f"{work}/www/f-{i}.rss", "w") as f:
        f.write('<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' +
                "".join(f"<item><guid>{i}-{k}</guid><description>Reactie {k} van bron {i} over de balie.</description></item>" for k in range(3)) +
                "</channel></rss>")
fix = subprocess.Popen([fixserve, "--dir", f"{work}/www", "--port", "0"], stdout=subprocess.PIPE, text=True)
port = int(fix.stdout.readline())
cfg = {"vision": {"title": "V", "ambitions": [{"code": "A1", "title": "T"}]},
       "collect": {"min_interval": "1s"},
       "sources": [{"name": f"f-{i}", "type": "rss", "url": f"http://127.0.0.1:{port}/f-{i}.rss",
                    "interval": f"{interval:g}s", "allow_private": "loopback"} for i in range(n)]}
json.dump(cfg, open(f"{work}/cfg.json", "w"))

fetches = {}
start = time.monotonic()
d = subprocess.Popen([binary, "--config", f"{work}/cfg.json", "daemon", "--no-server"], stderr=subprocess.PIPE, text=True)
pat = re.compile(r"fetch (f-\d+): HTTP (\d+)")
errors = []
def reader():
    for line in d.stderr:
        m = pat.search(line)
        if m:
            fetches.setdefault(m.group(1), []).append(time.monotonic() - start)
            if m.group(2) not in ("200", "304"):
                errors.append(line.strip())
threading.Thread(target=reader, daemon=True).start()
rss = []
while time.monotonic() - start < duration:
    time.sleep(5)
    try:
        kb = int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{d.pid}/status").read()).group(1))
        rss.append((round(time.monotonic() - start), kb // 1024))
    except (OSError, AttributeError):
        break
d.send_signal(signal.SIGTERM)
t0 = time.monotonic()
code = d.wait(timeout=30)
stop_s = time.monotonic() - t0
# asked after the daemon is gone, so this request is not among the daemon's
stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/stats"))
fix.terminate()

counts = [len(fetches.get(f"f-{i}", [])) for i in range(n)]
# a source due while a pass runs waits for that pass: allow the jitter and 2 s
slack = interval * 1.1 + 2.0
late = 0
worst = 0.0
for i in range(n):
    ts = fetches.get(f"f-{i}", [])
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    tail = duration - ts[-1] if ts else duration
    w = max(gaps + [tail]) if ts else duration
    worst = max(worst, w)
    late += w > slack
print(f"sources {n}, interval {interval:g} s, ran {duration:g} s ({duration / interval:.0f} intervals); load {open('/proc/loadavg').read().split()[:3]}")
print(f"fetches {sum(counts)}; per source min {min(counts)} median {statistics.median(counts)} max {max(counts)}; non-2xx/304: {len(errors)}")
print(f"sources with a gap over interval+10%+2 s: {late} of {n}; worst gap {worst:.1f} s")
print(f"server: most requests at once {stats['req_peak']} (per-host limit 2); most open connections {stats['conn_peak']} (closing ones of the previous pass included)")
print("daemon RSS MiB (t s: MiB): " + ", ".join(f"{t}:{m}" for t, m in rss[:: max(1, len(rss) // 12)]))
if len(rss) > 4:
    after = [m for t, m in rss if t >= 30]
    print(f"RSS after the first 30 s: min {min(after)} max {max(after)} MiB (flat if equal within a few MiB)")
print(f"SIGTERM to exit: {stop_s:.2f} s, exit code {code}")
