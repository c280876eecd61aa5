# adjacency matrix sized for the worst case, then O(n^2) Dijkstra
MAXN = 8000
INF = 1 << 62
adj = [[0] * MAXN for _ in range(MAXN)]
n, m = map(int, input().split())
for _ in range(m):
    u, v, w = map(int, input().split())
    adj[u - 1][v - 1] = w
    adj[v - 1][u - 1] = w
dist = [INF] * n
done = [False] * n
dist[0] = 0
for _ in range(n):
    u = -1
    for i in range(n):
        if not done[i] and (u == -1 or dist[i] < dist[u]):
            u = i
    if dist[u] == INF:
        break
    done[u] = True
    row = adj[u]
    for v in range(n):
        if row[v] and dist[u] + row[v] < dist[v]:
            dist[v] = dist[u] + row[v]
print(dist[n - 1] if dist[n - 1] < INF else -1)
