#!/usr/bin/env python3
"""pcap_split.py — cuts a classic pcap file by time, for the merge tests.

    pcap_split.py IN CUT[,CUT...] OUT0 OUT1 ...

Record i goes to OUTk, k = the number of cuts at or before its timestamp (epoch
seconds, fractions allowed), so there is one more output than cuts; each output
gets IN's file header. Both byte orders, microsecond and nanosecond files. Written
independently of darkscope's reader, so the tests do not split with the code they
test.
"""
import struct
import sys

src, cuts, outs = sys.argv[1], [float(c) for c in sys.argv[2].split(",")], sys.argv[3:]
if len(outs) != len(cuts) + 1:
    sys.exit(f"pcap_split.py: {len(cuts)} cuts need {len(cuts) + 1} outputs")
d = open(src, "rb").read()
e = "<" if struct.unpack("<I", d[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D) else ">"
nano = struct.unpack(e + "I", d[:4])[0] == 0xA1B23C4D
files = [open(o, "wb") for o in outs]
for f in files:
    f.write(d[:24])
off = 24
while off + 16 <= len(d):
    s, frac, cl, _ = struct.unpack(e + "IIII", d[off:off + 16])
    t = s + frac / (1e9 if nano else 1e6)
    files[sum(1 for c in cuts if t >= c)].write(d[off:off + 16 + cl])
    off += 16 + cl
for f in files:
    f.close()
