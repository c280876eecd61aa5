def f(i, x):
    if x == 0:
        return 1
    if i == n or x < 0:
        return 0
    return f(i, x - c[i]) + f(i + 1, x)


n, x = map(int, input().split())
c = list(map(int, input().split()))
print(f(0, x) % (10 ** 9 + 7))
