import heapq

n, m = map(int, raw_input().split())
g = [[] for _ in xrange(n + 1)]
for _ in xrange(m):
    u, v, w = map(int, raw_input().split())
    g[u].append((v, w))
    g[v].append((u, w))
dist = [None] * (n + 1)
dist[1] = 0
q = [(0, 1)]
while q:
    d, u = heapq.heappop(q)
    if d > dist[u]:
        continue
    for v, w in g[u]:
        if dist[v] is None or d + w < dist[v]:
            dist[v] = d + w
            heapq.heappush(q, (d + w, v))
print dist[n] if dist[n] is not None else -1
