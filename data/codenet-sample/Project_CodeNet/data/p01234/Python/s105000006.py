n = int(input())
a = list(map(int, input().split()))
s = 0
best = a[0]
for x in a:
    s += x
    best = max(best, s)
print(best)
