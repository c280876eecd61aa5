MOD = 10 ** 9 + 7
H, W = map(int, input().split())
grid = [input() for _ in range(W)]
dp = [[0] * (W + 1) for _ in range(H + 1)]
dp[0][1] = 1
for i in range(H):
    for j in range(W):
        if grid[i][j] == ".":
            dp[i + 1][j + 1] = (dp[i][j + 1] + dp[i + 1][j]) % MOD
print(dp[H][W])
