import math

n = int(input())
k = math.isqrt(n)
print(2 * sum(n // i for i in range(1, k + 1) - k * k)
