MOD = 10 ** 9 + 7
n = int(input())
a, b = 1, 1
for bit in bin(n)[2:]:
    c = a * (2 * b - a) % MOD
    d = (a * a + b * b) % MOD
    if bit == "1":
        a, b = d, (c + d) % MOD
    else:
        a, b = c, d
print(a)
