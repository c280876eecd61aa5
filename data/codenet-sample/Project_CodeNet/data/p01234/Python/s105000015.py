n = int(input())
a = list(map(int, input().split()))
best = 0
cur = 0
for i in range(1, n):
    cur = max(cur + a[i], a[i])
    best = max(best, cur)
print(best)
