from collections import defaultdict
import heapq

n, m = map(int, input().split())
adj = defaultdict(list)
for _ in range(m):
    u, v, w = map(int, input().split())
    adj[u].append((v, w))
    adj[v].append((u, w))
best = {1: 0}
heap = [(0, 1)]
visited = set()
while heap:
    d, u = heapq.heappop(heap)
    if u in visited:
        continue
    visited.add(u)
    if u == n:
        break
    for v, w in adj[u]:
        if v not in best or d + w < best[v]:
            best[v] = d + w
            heapq.heappush(heap, (d + w, v))
print(best.get(n, -1))
