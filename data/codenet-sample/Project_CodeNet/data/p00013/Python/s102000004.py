import sys

for line in sys.stdin:
    w = line.split()
    w[0], w[-1] = w[-1], w[0]
    print(" ".join(w))
