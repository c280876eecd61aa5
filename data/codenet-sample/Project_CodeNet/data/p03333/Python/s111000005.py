n = int(raw_input())
a = map(int, raw_input().split())
m = float(sum(a)) / n
v = sum((x - m) ** 2 for x in a) / n
print "%.10f" % m
print "%.10f" % (v ** 0.5)
