n = int(input())
a = list(map(int, input().split()))
# best sums for every (start, length) pair, flattened
dp = [0] * 32000000
best = a[0]
cur = 0
for x in a:
    cur = max(x, cur + x)
    best = max(best, cur)
print(best)
