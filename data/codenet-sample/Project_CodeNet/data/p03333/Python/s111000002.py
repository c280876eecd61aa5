import numpy as np

n = int(input())
a = np.array(input().split(), dtype=np.float64)
print(a.mean())
print(a.std())
