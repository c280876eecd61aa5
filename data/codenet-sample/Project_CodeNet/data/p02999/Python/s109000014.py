import math

MOD = 10 ** 9 + 7
n = int(input())
k = math.isqrt(n)
ans = 0
for i in range(1, k + 1):
    ans += n // i
ans = (2 * ans - k * k) % MOD
print(ans)
