import sys
sys.setrecursionlimit(10 ** 6)

n, m = map(int, input().split())
g = [[] for _ in range(n + 1)]
for _ in range(m):
    u, v, w = map(int, input().split())
    g[u].append((v, w))
    g[v].append((u, w))
best = -1
used = [False] * (n + 1)


def dfs(u, d):
    global best
    if u == n:
        if best == -1 or d < best:
            best = d
        return
    for v, w in g[u]:
        if not used[v]:
            used[v] = True
            dfs(v, d + w)
            used[v] = False


used[1] = True
dfs(1, 0)
print(best)
