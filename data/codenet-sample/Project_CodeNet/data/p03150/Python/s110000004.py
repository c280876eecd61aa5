import sys
sys.setrecursionlimit(10000)
MOD = 10 ** 9 + 7
memo = {0: 0, 1: 1, 2: 1}


def f(n):
    # F(2k) = F(k) * (F(k+1) + F(k-1)),  F(2k+1) = F(k+1)^2 + F(k)^2
    if n in memo:
        return memo[n]
    k = n // 2
    if n % 2 == 0:
        r = f(k) * (f(k + 1) + f(k - 1)) % MOD
    else:
        r = (f(k + 1) ** 2 + f(k) ** 2) % MOD
    memo[n] = r
    return r


print(f(int(input())))
