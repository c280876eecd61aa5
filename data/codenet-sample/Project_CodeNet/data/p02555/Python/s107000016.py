MOD = 10 ** 9 + 7
H, W = map(int, input().split())
grid = [input().split() for _ in range(H)]
dp = [[0] * W for _ in range(H)]
dp[0][0] = 1
for i in range(H):
    for j in range(W):
        if grid[i][j] == "#" or (i == 0 and j == 0):
            continue
        dp[i][j] = ((dp[i - 1][j] if i else 0) + (dp[i][j - 1] if j else 0)) % MOD
print(dp[H - 1][W - 1])
