MOD = 10 ** 9 + 7
LIMIT = 6 * 10 ** 7
table = [0] * LIMIT


def fib(n):
    a, b = 0, 1
    for bit in bin(n)[2:]:
        c = a * (2 * b - a) % MOD
        d = (a * a + b * b) % MOD
        a, b = (d, (c + d) % MOD) if bit == "1" else (c, d)
    return a


n = int(input())
if n < 100:
    table[1] = 1
    for i in range(2, n + 1):
        table[i] = (table[i - 1] + table[i - 2]) % MOD
    print(table[n])
else:
    print(fib(n))
