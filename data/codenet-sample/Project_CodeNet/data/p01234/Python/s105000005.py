n = int(input())
a = list(map(int, input().split()))
best = a[0]
for i in range(n):
    for j in range(i, n):
        s = 0
        for k in range(i, j + 1):
            s += a[k]
        if s > best:
            best = s
print(best)
