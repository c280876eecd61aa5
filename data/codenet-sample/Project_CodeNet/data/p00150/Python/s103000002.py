from math import pi

r = float(input())
print(pi * r ** 2, 2 * pi * r)
