import math

MAXV = 6 * 10 ** 7
n = int(input())
a = list(map(int, input().split()))
cnt = [0] * MAXV
for x in a:
    cnt[x] += 1
total = 0
sq = 0
for x in set(a):
    total += x * cnt[x]
    sq += x * x * cnt[x]
mean = total / n
print("%.10f" % mean)
print("%.10f" % math.sqrt(max(sq / n - mean * mean, 0.0)))
