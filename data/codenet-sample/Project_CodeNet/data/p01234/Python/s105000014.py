n = int(input())
a = [int(input()) for _ in range(n)]
best = cur = a[0]
for x in a[1:]:
    cur = max(x, cur + x)
    best = max(best, cur)
print(best)
