import sys


def floor_sum(n):
    # i <= sqrt(n): add n // i directly; the larger i are grouped by the value q = n // i
    k = 1
    while (k + 1) * (k + 1) <= n:
        k += 1
    total = 0
    for i in range(1, k + 1):
        total += n // i
    for q in range(1, n // (k + 1) + 1):
        total += q * (n // q - n // (q + 1))
    return total


def main():
    n = int(sys.stdin.readline())
    print(floor_sum(n))


if __name__ == "__main__":
    main()
