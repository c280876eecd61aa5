n = int(input())
a = int(input())
b = int(input())
m = int(input())
x = [b % m]
for i in range(1, n):
    x.append((a * x[-1] + b) % m)
s = sorted(x)
rank = {}
for i, v in enumerate(s):
    rank.setdefault(v, len(rank) + 1)
bit = [0] * (len(rank) + 1)
ans = 0
for i, v in enumerate(x):
    j = rank[v]
    while j > 0:
        ans -= bit[j]
        j -= j & -j
    ans += i
    j = rank[v]
    while j < len(bit):
        bit[j] += 1
        j += j & -j
print(ans)
