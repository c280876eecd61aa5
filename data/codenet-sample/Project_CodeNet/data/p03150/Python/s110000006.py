MOD = 10 ** 9 + 7


def mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(2)) % MOD for j in range(2)] for i in range(2)]


n = int(input())
res = [[1, 0], [0, 1]]
m = [[1, 1], [1, 0]]
e = n - 1
while e > 0:
    if e % 2 == 1:
        res = mul(res, m)
    m = mul(m, m)
    e //= 2
print(res[0][0])
