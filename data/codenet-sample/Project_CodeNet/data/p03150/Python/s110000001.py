MOD = 10 ** 9 + 7


def mat_mul(a, b):
    return [
        [(a[0][0] * b[0][0] + a[0][1] * b[1][0]) % MOD, (a[0][0] * b[0][1] + a[0][1] * b[1][1]) % MOD],
        [(a[1][0] * b[0][0] + a[1][1] * b[1][0]) % MOD, (a[1][0] * b[0][1] + a[1][1] * b[1][1]) % MOD],
    ]


def mat_pow(m, e):
    r = [[1, 0], [0, 1]]
    while e:
        if e & 1:
            r = mat_mul(r, m)
        m = mat_mul(m, m)
        e >>= 1
    return r


n = int(input())
# [[F(n+1), F(n)], [F(n), F(n-1)]] = [[1, 1], [1, 0]] ** n
print(mat_pow([[1, 1], [1, 0]], n)[0][1])
