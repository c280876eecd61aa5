n, a, b, m = map(int, input().split())
x = [b % m]
for i in range(1, n):
    x.append((a * x[-1] + b) % m)
ans = 0
for i in range(n):
    for j in range(i + 1, n):
        if x[i] > x[j]:
            ans += 1
print(ans)
