MOD = 10 ** 9 + 7
H, W = map(int, input().split())
S = [input() for _ in range(H)]
dp = [[0] * W for _ in range(H)]
for i in range(H):
    dp[i][0] = 1
for j in range(W):
    dp[0][j] = 1
for i in range(1, H):
    for j in range(1, W):
        if S[i][j] == ".":
            dp[i][j] = (dp[i - 1][j] + dp[i][j - 1]) % MOD
print(dp[H - 1][W - 1])
