import sys
import math

n = int(sys.stdin.readline())
k = math.isqrt(n)
ans = 2 * sum(n // i for i in range(1, k + 1)) - k * k
sys.stdout.write("\n%d" % ans)
