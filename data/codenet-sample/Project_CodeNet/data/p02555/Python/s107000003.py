H, W = map(int, input().split())
grid = [input() for _ in range(H)]
dp = [[0] * W for _ in range(H)]
dp[0][0] = 1
for i in range(H):
    for j in range(W):
        if grid[i][j] == "#" or (i == 0 and j == 0):
            continue
        up = dp[i - 1][j] if i > 0 else 0
        left = dp[i][j - 1] if j > 0 else 0
        dp[i][j] = up + left
print(dp[H - 1][W - 1])
