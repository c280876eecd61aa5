n = int(raw_input())
a = map(int, raw_input().split())
best = a[0]
cur = 0
for x in a:
    cur = max(cur + x, x)
    best = max(best, cur)
print best
