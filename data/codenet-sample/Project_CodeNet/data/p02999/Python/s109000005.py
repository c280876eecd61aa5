n = int(input())
k = 1
while (k + 1) * (k + 1) < n:
    k += 1
s = 0
for i in range(1, k + 1):
    s += n // i
print(2 * s - k * k)
