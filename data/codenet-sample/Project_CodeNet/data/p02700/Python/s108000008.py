n = int(input())
a = list(map(int, input().split()))
s = set(a)
ans = []
v = min(a)
while v <= max(a):
    if v in s:
        ans.append(v)
    v += 1
print(*ans)
