MOD = 10 ** 9 + 7
STRIDE = 7000
H, W = map(int, input().split())
grid = [input() for _ in range(H)]
# dp[i * STRIDE + j], flattened
dp = [0] * (STRIDE * STRIDE)
dp[0] = 1
for i in range(H):
    for j in range(W):
        k = i * STRIDE + j
        if grid[i][j] == "#":
            dp[k] = 0
        elif i or j:
            dp[k] = ((dp[k - STRIDE] if i else 0) + (dp[k - 1] if j else 0)) % MOD
print(dp[(H - 1) * STRIDE + W - 1])
