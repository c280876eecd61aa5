r = float(input())
pi = 3.14
print("%.6f %.6f" % (pi * r * r, 2 * pi * r))
