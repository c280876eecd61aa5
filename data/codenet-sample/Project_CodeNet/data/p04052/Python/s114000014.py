from itertools import accumulate

MOD = 10 ** 9 + 7
n, x = map(int, input().split())
coins = list(map(int, input().split()))
dp = [1] + [0] * x
for c in coins:
    # dp[v] += dp[v - c] for increasing v is a prefix sum along each residue class mod c
    for r in range(min(c, x + 1)):
        dp[r::c] = [s % MOD for s in accumulate(dp[r::c])]
print(dp[x])
