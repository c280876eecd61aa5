import math


def solve(r):
    pi = math.acos(-1.0)
    return pi * r * r, 2.0 * pi * r


def main():
    r = float(input().strip())
    area, length = solve(r)
    print(f"{area:.6f} {length:.6f}")


if __name__ == "__main__":
    main()
