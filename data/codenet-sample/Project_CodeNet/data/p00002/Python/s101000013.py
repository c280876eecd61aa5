import sys
res = []
for line in sys.stdin:
    a, b = map(int, line.split())
    res.append(str(a + b))
print(" ".join(res))
