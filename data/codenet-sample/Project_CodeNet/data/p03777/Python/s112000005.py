import sys
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

data = np.array(sys.stdin.read().split(), dtype=np.int64)
n, m = int(data[0]), int(data[1])
e = data[2:2 + 3 * m].reshape(m, 3)
g = csr_matrix((e[:, 2], (e[:, 0] - 1, e[:, 1] - 1)), shape=(n, n))
d = dijkstra(g, directed=False, indices=0)
print(-1 if np.isinf(d[n - 1]) else int(d[n - 1]))
