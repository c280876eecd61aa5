import heapq

n, m = map(int, input().split())
g = [[] for _ in range(n)]
for _ in range(m):
    u, v, w = map(int, input().split())
    g[u].append((v, w))
    g[v].append((u, w))
dist = [-1] * n
pq = [(0, 1)]
while pq:
    d, u = heapq.heappop(pq)
    if dist[u] != -1:
        continue
    dist[u] = d
    for v, w in g[u]:
        if dist[v] == -1:
            heapq.heappush(pq, (d + w, v))
print(dist[n - 1])
