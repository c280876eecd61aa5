import sys

MOD = 10 ** 9 + 7


def main():
    n, a, b, m = map(int, sys.stdin.readline().split())
    xs = [0] * n
    x = b % m
    for i in range(n):
        xs[i] = x
        x = (a * x + b) % m
    comp = {v: i + 1 for i, v in enumerate(sorted(set(xs)))}
    k = len(comp)
    fw = [0] * (k + 1)
    res = 0
    for i in range(n):
        r = comp[xs[i]]
        s = 0
        while r:
            s += fw[r]
            r &= r - 1
        res = (res + i - s) % MOD
        r = comp[xs[i]]
        while r <= k:
            fw[r] += 1
            r += r & -r
    print(res)


main()
