from collections import deque
import sys

for line in sys.stdin:
    d = deque()
    for w in line.split():
        d.appendleft(w)
    print(" ".join(d))
