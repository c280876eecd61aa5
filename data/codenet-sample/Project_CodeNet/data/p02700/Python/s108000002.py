import sys

data = sys.stdin.read().split()
n = int(data[0])
nums = sorted(set(int(t) for t in data[1:n + 1]))
sys.stdout.write(" ".join(map(str, nums)))
