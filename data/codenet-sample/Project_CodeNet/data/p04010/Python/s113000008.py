n, a, b, m = map(int, input().split())
xs = []
x = b % m
for _ in range(n):
    xs.append(x)
    x = (a * x + b) % m
rank = {v: i + 1 for i, v in enumerate(sorted(set(xs)))}
tree = [0] * n
ans = 0
for i, v in enumerate(xs):
    r = rank[v]
    s = 0
    while r > 0:
        s += tree[r]
        r -= r & -r
    ans += i - s
    r = rank[v]
    while r <= n:
        tree[r] += 1
        r += r & -r
print(ans)
