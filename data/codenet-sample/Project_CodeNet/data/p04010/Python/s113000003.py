n, a, b, m = map(int, raw_input().split())
xs = []
x = b % m
for i in xrange(n):
    xs.append(x)
    x = (a * x + b) % m
rank = {}
for i, v in enumerate(sorted(set(xs))):
    rank[v] = i + 1
k = len(rank)
bit = [0] * (k + 1)
ans = 0
for i, v in enumerate(xs):
    r = rank[v]
    s = 0
    while r > 0:
        s += bit[r]
        r -= r & -r
    ans += i - s
    r = rank[v]
    while r <= k:
        bit[r] += 1
        r += r & -r
print ans
