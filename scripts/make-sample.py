#!/usr/bin/env python3
"""Writes data/sample-telescope.pcap.gz, the small capture the README's first command
analyses until `darkscope demo` (the simulator) replaces it. Deterministic (seeded);
kept so anyone can regenerate and check the shipped file. Not needed to build or test.

One hour of a made-up /16 telescope (198.18.0.0/15 benchmark space halves: monitor
`east` = 198.18.0.0/16, `west` = 198.19.0.0/16): Code-Red-like SYN probes to port 80
from a growing set of sources, SYN-ACK and RST backscatter from a few DoS victims,
ICMP unreachable quoting spoofed packets, UDP probes and DNS responses, pings."""
import gzip, random, struct

rnd = random.Random(2001)
T0 = 995500800  # 2001-07-19 00:00:00 UTC

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ip(src, dst, proto, payload, ipid=None, ttl=110):
    ipid = rnd.randrange(65536) if ipid is None else ipid
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ipid, 0, ttl, proto, 0,
                    struct.pack('!I', src), struct.pack('!I', dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload

def tcp(sp, dp, seq, ack, flags, win=8192):
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, win, 0, 0)

def udp(sp, dp, data):
    return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data

def icmp(t, c, rest, data=b''):
    return struct.pack('!BBHI', t, c, 0, rest) + data

def eth(pkt):
    return b'\x00\x11\x22\x33\x44\x55' + b'\x00\x66\x77\x88\x99\xaa' + b'\x08\x00' + pkt

def tele():
    return (198 << 24) | ((18 + rnd.randrange(2)) << 16) | rnd.randrange(65536)

def public():
    while True:
        a = rnd.randrange(1 << 32)
        if (a >> 24) not in (0, 10, 127, 198, 224) and (a >> 24) < 224:
            return a

pkts = []
# worm: infections grow logistically over the hour; each infected host probes port 80
hosts = [public() for _ in range(600)]
for i, h in enumerate(hosts):
    start = 3600 / (1 + 2.718 ** (-(i / 600 * 12 - 6))) * 0.9
    t = start + rnd.random() * 30
    while t < 3600:
        pkts.append((t, eth(ip(h, tele(), 6, tcp(1024 + rnd.randrange(60000), 80,
                                                   rnd.randrange(1 << 32), 0, 0x02)))))
        t += rnd.expovariate(1 / 40.0)
# DoS backscatter: victims answering spoofed SYNs with SYN-ACK or RST
for v in range(5):
    victim, port = public(), rnd.choice([80, 443, 25565, 53])
    start, dur, rate = rnd.uniform(0, 2400), rnd.uniform(120, 1200), rnd.uniform(0.5, 5)
    t = start
    while t < min(start + dur, 3600):
        flags = 0x12 if v % 2 == 0 else 0x14
        pkts.append((t, eth(ip(victim, tele(), 6, tcp(port, 1024 + rnd.randrange(60000),
                                                        rnd.randrange(1 << 32), rnd.randrange(1 << 32), flags)))))
        t += rnd.expovariate(rate)
# ICMP port unreachable from a victim, quoting a spoofed UDP packet
victim = public()
t = 600
while t < 1500:
    dst = tele()
    quoted = ip(dst, victim, 17, udp(1024 + rnd.randrange(60000), 53, b''))[:28]
    pkts.append((t, eth(ip(public(), dst, 1, icmp(3, 3, 0, quoted)))))
    t += rnd.expovariate(1.0)
# background: UDP probes, DNS responses (udp-response), pings, a ZMap scanner
for _ in range(3000):
    t = rnd.uniform(0, 3600)
    k = rnd.random()
    if k < 0.4:
        p = ip(public(), tele(), 17, udp(1024 + rnd.randrange(60000), rnd.choice([1434, 137, 5060]), b'x' * 20))
    elif k < 0.6:
        p = ip(public(), tele(), 17, udp(53, 1024 + rnd.randrange(60000), b'\0' * 40))
    elif k < 0.8:
        p = ip(public(), tele(), 1, icmp(8, 0, rnd.randrange(1 << 32), b'ping'))
    else:
        p = ip(0x0a000001 + rnd.randrange(200), tele(), 6, tcp(40000, 445, 0, 0, 0x02), ipid=54321)
    pkts.append((t, eth(p)))

pkts.sort(key=lambda x: x[0])
out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for t, p in pkts:
    ts = T0 + t
    sec = int(ts); usec = int((ts - sec) * 1e6)
    out += struct.pack('<IIII', sec, usec, len(p), len(p)) + p
with gzip.GzipFile('data/sample-telescope.pcap.gz', 'wb', mtime=0) as f:
    f.write(bytes(out))
print(len(pkts), 'packets')
