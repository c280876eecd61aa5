import math

memo = [0] * (6 * 10 ** 7)
n = int(input())
k = math.isqrt(n)
for i in range(1, k + 1):
    memo[i] = n // i
print(2 * sum(memo[1:k + 1]) - k * k)
