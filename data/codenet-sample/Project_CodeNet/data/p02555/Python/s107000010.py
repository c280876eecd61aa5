MOD = 10 ** 9 + 9
H, W = map(int, input().split())
S = [input() for _ in range(H)]
dp = [[0] * W for _ in range(H)]
dp[0][0] = 1
for i in range(H):
    for j in range(W):
        if S[i][j] == "#":
            dp[i][j] = 0
            continue
        if i:
            dp[i][j] += dp[i - 1][j]
        if j:
            dp[i][j] += dp[i][j - 1]
        dp[i][j] %= MOD
print(dp[-1][-1])
