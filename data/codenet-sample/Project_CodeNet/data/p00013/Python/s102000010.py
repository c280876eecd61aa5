import sys

buf = [""] * 32_000_000
n = 0
for line in sys.stdin:
    buf[n] = " ".join(line.split()[::-1])
    n += 1
print("\n".join(buf[:n]))
