import sys
sys.setrecursionlimit(10000)

H, W = map(int, input().split())
grid = [input() for _ in range(H)]


def count(i, j):
    if i >= H or j >= W or grid[i][j] == "#":
        return 0
    if i == H - 1 and j == W - 1:
        return 1
    return count(i + 1, j) + count(i, j + 1)


print(count(0, 0) % (10 ** 9 + 7))
