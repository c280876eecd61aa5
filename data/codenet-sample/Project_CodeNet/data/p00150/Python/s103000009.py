r = float(input())

# compute pi with the Leibniz series until the terms vanish
pi = 0.0
k = 0
term = 1.0
while term != 0.0:
    term = (-1) ** k / (2 * k + 1)
    pi += 4 * term
    k += 1
print("%.6f %.6f" % (pi * r * r, 2 * pi * r))
