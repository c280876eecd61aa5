import numpy as np

n = int(input())
a = np.array(input().split(), dtype=np.int64)
print(*np.unique(a))
