import math

n = int(input())
k = math.isqrt(n)
s = 0
for i in range(0, k + 1):
    s += n // i
print(2 * s - k * k)
