import numpy as np

n = int(input())
k = int(np.sqrt(n))
while k * k > n:
    k -= 1
while (k + 1) ** 2 <= n:
    k += 1
i = np.arange(1, k + 1, dtype=np.int64)
print(int(2 * (n // i).sum() - k * k))
