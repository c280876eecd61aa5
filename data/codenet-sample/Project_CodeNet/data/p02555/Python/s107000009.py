import sys
from functools import lru_cache

sys.setrecursionlimit(10 ** 6)
MOD = 10 ** 9 + 7
H, W = map(int, sys.stdin.readline().split())
G = [sys.stdin.readline().strip() for _ in range(H)]


@lru_cache(maxsize=None)
def f(i, j):
    if i >= H or j >= W or G[i][j] == "#":
        return 0
    if i == H - 1 and j == W - 1:
        return 1
    return (f(i + 1, j) + f(i, j + 1)) % MOD


print(f(0, 0))
