import sys
from heapq import heappush, heappop


def dijkstra(n, adj, src):
    dist = [-1] * (n + 1)
    done = [False] * (n + 1)
    heap = [(0, src)]
    while heap:
        d, u = heappop(heap)
        if done[u]:
            continue
        done[u] = True
        dist[u] = d
        for v, w in adj[u]:
            if not done[v]:
                heappush(heap, (d + w, v))
    return dist


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    adj = [[] for _ in range(n + 1)]
    for k in range(m):
        u, v, w = int(data[2 + 3 * k]), int(data[3 + 3 * k]), int(data[4 + 3 * k])
        adj[u].append((v, w))
        adj[v].append((u, w))
    print(dijkstra(n, adj, 1)[n])


if __name__ == "__main__":
    main()
