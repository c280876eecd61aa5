import math

r = float(input())
# radii sampled on a fine grid, to integrate the area numerically later
grid = [0.0] * 32_000_000
area = math.pi * r * r
print("%.6f %.6f" % (area, 2 * math.pi * r))
