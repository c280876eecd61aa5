import sys
from itertools import accumulate

data = sys.stdin.read().split()
n = int(data[0])
a = list(map(int, data[1:1 + n]))
best = -10 ** 18
low = 0
for p in accumulate(a):
    best = max(best, p - low)
    low = min(low, p)
print(best)
