#!/usr/bin/env python3
"""flood_check.py — the checks of a bounded run over bench/flood_gen's flood
(tests/test_flood.sh, tests/test_maxmem.sh): every affected output says it is
approximate, the HyperLogLog totals are within TOL of the truth, and the real worm
host, scanner and DoS attack hidden in the flood are reported exactly.

    flood_check.py OUTDIR SOURCES [TOL]

SOURCES is flood_gen's first argument; the truth follows from it: source k of the
flood is new, and after every 500th flood packet come one probe of the worm host
203.0.113.7 and one SYN-ACK of the victim 198.51.100.9. Prints one line per failed
check and exits 1 when any failed.
"""
import csv
import json
import sys

out, n = sys.argv[1], int(sys.argv[2])
tol = float(sys.argv[3]) if len(sys.argv) > 3 else 0.03
real = n // 500  # packets of the worm host, and of the victim
fails = []


def check(what, ok):
    if not ok:
        fails.append(what)


def near(what, got, want):
    check(f"{what}: {got} is not within {tol:.0%} of {want}", abs(got - want) <= tol * want)


s = json.load(open(f"{out}/summary.json"))
d = s["inputs"][0]["dissection"]
check("the file-wide distinct sources are not flagged approximate",
      d.get("distinct_src_ipv4_approximate") is True)
near("distinct_src_ipv4", d["distinct_src_ipv4"], n + 2)
for a in ("series", "worm", "dos", "scan"):
    ap = s[a].get("approximate")
    check(f"summary.json: {a} has no 'approximate' object", isinstance(ap, dict))
    if isinstance(ap, dict):
        check(f"summary.json: {a}.approximate lacks since/max_memory_bytes",
              "since" in ap and ap.get("max_memory_bytes", 0) > 0)
# Flood probes of codered: the SYNs, less the worm host's, plus the worm host.
syn_sources = d["tcp_syn_only"] - real
est = s["worm"]["approximate"]["estimated_hosts"]["codered"]
near("worm estimated codered hosts", est, syn_sources + 1)


def rows(name):
    with open(f"{out}/{name}", newline="") as f:
        return list(csv.DictReader(f))


for name in ("series.csv", "signatures.csv", "worm.csv", "hosts.csv", "attacks.csv",
             "events.csv", "scanners.csv"):
    with open(f"{out}/{name}") as f:
        head = f.readline().rstrip("\n").split(",")
    check(f"{name}: the last column is not 'approximate' ({head[-1]})", head[-1] == "approximate")

# series.csv: every flood source is in one interval only, so the sources of the
# intervals add up to the distinct sources (plus the real ones once per interval).
ser = rows("series.csv")
iv = len({r["interval_start"] for r in ser})
bs = sum(int(r["sources"]) for r in ser if r["class"] == "backscatter")
near("series.csv backscatter sources", bs, d["tcp_synack"] + d["tcp_rst"] - real + iv)
sc = sum(int(r["sources"]) for r in ser if r["class"] == "scan-tcp")
near("series.csv scan-tcp sources", sc, syn_sources + iv)
check("series.csv: no row is approximate", any(r.get("approximate") == "1" for r in ser))

hosts = rows("hosts.csv")
worm = [h for h in hosts if h["ip"] == "203.0.113.7"]
check("hosts.csv: the worm host 203.0.113.7 is missing", len(worm) == 1)
if worm:
    check(f"hosts.csv: the worm host has {worm[0]['packets']} packets, not {real}",
          int(worm[0]["packets"]) == real and worm[0].get("approximate") == "0")
# Degraded, hosts.csv lists only hosts above the eviction threshold: not the flood.
check(f"hosts.csv lists {len(hosts)} hosts, the flood's one-packet hosts among them",
      all(int(h["packets"]) > s["worm"]["approximate"]["max_evicted_packets"] for h in hosts))

att = [a for a in rows("attacks.csv") if a["victim"] == "198.51.100.9"]
check("attacks.csv: the attack on 198.51.100.9 is missing", len(att) == 1)
if att:
    check(f"attacks.csv: the attack has {att[0]['packets']} packets, not {real}",
          int(att[0]["packets"]) == real)
scan = [r for r in rows("scanners.csv") if r["source"] == "203.0.113.7" and r["port"] == "80"]
check("scanners.csv: the scanner 203.0.113.7 port 80 is missing", len(scan) == 1)
if scan:
    check(f"scanners.csv: the scanner has {scan[0]['packets']} packets, not {real}",
          int(scan[0]["packets"]) == real)

for f in fails:
    print("FAIL:", f)
print(f"flood_check: {len(fails)} failed")
sys.exit(1 if fails else 0)
