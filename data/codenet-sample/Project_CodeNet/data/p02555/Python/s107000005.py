H, W = map(int, raw_input().split())
g = [raw_input() for _ in xrange(H)]
MOD = 10**9 + 7
dp = [[0] * W for _ in xrange(H)]
dp[0][0] = 1
for i in xrange(H):
    for j in xrange(W):
        if g[i][j] == '#':
            dp[i][j] = 0
        elif i or j:
            dp[i][j] = ((dp[i-1][j] if i else 0) + (dp[i][j-1] if j else 0)) % MOD
print dp[H-1][W-1]
