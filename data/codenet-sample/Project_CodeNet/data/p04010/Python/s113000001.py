import sys


def main():
    n, a, b, m = map(int, sys.stdin.read().split())
    xs = [0] * n
    x = b % m
    for i in range(n):
        xs[i] = x
        x = (a * x + b) % m
    # coordinate compression, then a Fenwick tree over the ranks
    vals = sorted(set(xs))
    rank = {v: i + 1 for i, v in enumerate(vals)}
    k = len(vals)
    tree = [0] * (k + 1)
    inv = 0
    for i, v in enumerate(xs):
        r = rank[v]
        s = 0
        j = r
        while j > 0:
            s += tree[j]
            j -= j & -j
        inv += i - s  # earlier elements strictly greater than v
        j = r
        while j <= k:
            tree[j] += 1
            j += j & -j
    print(inv)


if __name__ == "__main__":
    main()
