import math
r = float(input())
print("%.6f" % (math.pi * r * r))
print("%.6f" % (2 * math.pi * r))
