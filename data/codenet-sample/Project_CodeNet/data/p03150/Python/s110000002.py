import sys

MOD = 10 ** 9 + 7


def fib_pair(n):
    """Return (F(n), F(n+1)) mod MOD by fast doubling over the bits of n."""
    a, b = 0, 1
    for bit in bin(n)[2:]:
        c = a * ((2 * b - a) % MOD) % MOD
        d = (a * a + b * b) % MOD
        if bit == "1":
            a, b = d, (c + d) % MOD
        else:
            a, b = c, d
    return a, b


def main():
    n = int(sys.stdin.readline())
    print(fib_pair(n)[0])


if __name__ == "__main__":
    main()
