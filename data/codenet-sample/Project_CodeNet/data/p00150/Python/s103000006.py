import math

r = float(input())
area = math.pi * r * r
circumference = 2 * math.pi * r
print("{:.6} {:.6}".format(area, circumference))
