import sys
from functools import lru_cache

sys.setrecursionlimit(10 ** 6)
MOD = 10 ** 9 + 7
n, x = map(int, input().split())
coins = sorted(map(int, input().split()))


@lru_cache(maxsize=None)
def ways(i, rest):
    if rest == 0:
        return 1
    if i == n or coins[i] > rest:
        return 0
    return (ways(i, rest - coins[i]) + ways(i + 1, rest)) % MOD


print(ways(0, x))
