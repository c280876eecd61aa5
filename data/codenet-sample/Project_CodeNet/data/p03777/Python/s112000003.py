import heapq


class Graph:
    def __init__(self, n):
        self.n = n
        self.edges = [[] for _ in range(n)]

    def add_edge(self, u, v, w):
        self.edges[u].append((w, v))
        self.edges[v].append((w, u))

    def shortest(self, s):
        dist = [None] * self.n
        dist[s] = 0
        q = [(0, s)]
        while q:
            d, u = heapq.heappop(q)
            if d != dist[u]:
                continue
            for w, v in self.edges[u]:
                if dist[v] is None or d + w < dist[v]:
                    dist[v] = d + w
                    heapq.heappush(q, (d + w, v))
        return dist


n, m = map(int, input().split())
g = Graph(n)
for _ in range(m):
    u, v, w = map(int, input().split())
    g.add_edge(u - 1, v - 1, w)
d = g.shortest(0)[n - 1]
print(-1 if d is None else d)
