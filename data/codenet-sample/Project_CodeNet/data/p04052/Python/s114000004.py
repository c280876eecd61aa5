import numpy as np

MOD = 10 ** 9 + 7
n, x = map(int, input().split())
coins = list(map(int, input().split()))
dp = np.zeros(x + 1, dtype=np.int64)
dp[0] = 1
for c in coins:
    if c > x:
        continue
    rows = -(-(x + 1) // c)
    buf = np.zeros(rows * c, dtype=np.int64)
    buf[:x + 1] = dp
    # column r of the (rows, c) view is the residue class r mod c: adding coin c is a prefix sum down it
    buf = np.cumsum(buf.reshape(rows, c), axis=0) % MOD
    dp = buf.reshape(-1)[:x + 1]
print(int(dp[x]))
