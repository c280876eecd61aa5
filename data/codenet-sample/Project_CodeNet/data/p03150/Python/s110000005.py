import numpy as np

MOD = 10 ** 9 + 7
n = int(input())
m = np.array([[1, 1], [1, 0]], dtype=np.int64)
r = np.eye(2, dtype=np.int64)
while n > 0:
    if n & 1:
        r = r @ m % MOD
    m = m @ m % MOD
    n >>= 1
print(r[0, 1])
