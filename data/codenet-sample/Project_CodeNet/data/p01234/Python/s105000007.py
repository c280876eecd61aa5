n = int(input())
a = list(map(int, input().split()))
prefix = [0] * (n + 1)
for i in range(n):
    prefix[i + 1] = prefix[i] + a[i]
best = a[0]
for i in range(n):
    base = prefix[i]
    for j in range(i + 1, n + 1):
        s = prefix[j] - base
        if s > best:
            best = s
print(best)
