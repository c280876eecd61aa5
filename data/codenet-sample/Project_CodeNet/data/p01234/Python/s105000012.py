import sys

n = int(sys.stdin.readline())
a = list(map(int, sys.stdin.readline().split()))
best = cur = a[0]
for x in a[1:]:
    cur = x if cur < 0 else cur + x
    best = max(best, cur)
sys.stdout.write("\n" + str(best) + "\n")
