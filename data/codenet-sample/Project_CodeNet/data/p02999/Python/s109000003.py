n = int(raw_input())
k = int(n ** 0.5)
while k * k > n:
    k -= 1
while (k + 1) * (k + 1) <= n:
    k += 1
s = 0
for i in xrange(1, k + 1):
    s += n // i
print 2 * s - k * k
