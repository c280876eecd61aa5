def my_sqrt(x):
    # Newton's method
    r = x
    while abs(r * r - x) > 1e-12:
        r = (r + x / r) / 2
    return r


n = int(input())
a = list(map(int, input().split()))
m = sum(a) / n
v = sum((x - m) ** 2 for x in a) / n
print("%.10f" % m)
print("%.10f" % my_sqrt(v))
