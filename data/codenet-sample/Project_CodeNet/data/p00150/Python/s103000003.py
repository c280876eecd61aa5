import math
r = float(input())
print("{:.2f} {:.2f}".format(math.pi * r * r, 2 * math.pi * r))
