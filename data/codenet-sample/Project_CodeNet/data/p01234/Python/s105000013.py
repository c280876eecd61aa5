import sys

sys.setrecursionlimit(10000)


def solve(a, lo, hi):
    if hi - lo == 1:
        return a[lo]
    mid = (lo + hi) // 2
    left_best = solve(a, lo, mid)
    right_best = solve(a, mid, hi)
    s = 0
    cross_left = -float("inf")
    for i in range(mid - 1, lo - 1, -1):
        s += a[i]
        cross_left = max(cross_left, s)
    s = 0
    cross_right = -float("inf")
    for i in range(mid, hi):
        s += a[i]
        cross_right = max(cross_right, s)
    return max(left_best, right_best, cross_left + cross_right)


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    a = [int(x) for x in data[1:n + 1]]
    print(solve(a, 0, n))


if __name__ == "__main__":
    main()
