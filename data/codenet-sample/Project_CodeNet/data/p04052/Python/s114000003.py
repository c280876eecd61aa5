MOD = 10 ** 9 + 7
n, x = map(int, raw_input().split())
coins = map(int, raw_input().split())
dp = [0] * (x + 1)
dp[0] = 1
for c in coins:
    for v in xrange(c, x + 1):
        dp[v] = (dp[v] + dp[v - c]) % MOD
print dp[x]
