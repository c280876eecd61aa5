MOD = 10 ** 9 + 7
# dp[i * W + v]: ways to pay v with the first i coins (X <= 6 * 10^5)
W = 6 * 10 ** 5 + 1
dp = [0] * (101 * W)
n, x = map(int, input().split())
coins = list(map(int, input().split()))
dp[0] = 1
for i, c in enumerate(coins, 1):
    for v in range(x + 1):
        dp[i * W + v] = dp[(i - 1) * W + v]
        if v >= c:
            dp[i * W + v] = (dp[i * W + v] + dp[i * W + v - c]) % MOD
print(dp[n * W + x])
