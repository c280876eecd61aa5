class BIT:
    def __init__(self, n):
        self.n = n
        self.data = [0] * (n + 1)

    def add(self, i, x):
        while i <= self.n:
            self.data[i] += x
            i += i & -i

    def sum(self, i):
        s = 0
        while i > 0:
            s += self.data[i]
            i -= i & -i
        return s


n, a, b, m = map(int, input().split())
xs = [b % m]
for _ in range(n - 1):
    xs.append((a * xs[-1] + b) % m)
# process from the right: count the later elements that are strictly smaller
order = sorted(set(xs))
idx = {v: i + 1 for i, v in enumerate(order)}
bit = BIT(len(order))
ans = 0
for v in reversed(xs):
    r = idx[v]
    ans += bit.sum(r - 1)
    bit.add(r, 1)
print(ans)
