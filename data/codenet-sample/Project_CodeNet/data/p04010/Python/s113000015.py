from bisect import bisect_left, insort

n, a, b, m = map(int, input().split())
seen = []
ans = 0
x = b % m
for i in range(n):
    # elements seen so far that are larger than x
    ans += i - bisect_left(seen, x)
    insort(seen, x)
    x = (a * x + b) % m
print(ans)
