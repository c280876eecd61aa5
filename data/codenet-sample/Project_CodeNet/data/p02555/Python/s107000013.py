import sys

input = sys.stdin.readline
MOD = 10 ** 9 + 7
H, W = map(int, input().split())
grid = [input().strip() for _ in range(H)]
prev = [0] * W
prev[0] = 1
for i in range(H):
    cur = [0] * W
    for j in range(W):
        if grid[i][j] == "#":
            continue
        cur[j] = (prev[j] + (cur[j - 1] if j else 0)) % MOD
    prev = cur
print()
print(prev[W - 1])
