import sys
import math


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    a = [int(x) for x in data[1:n + 1]]
    s = sum(a)
    sq = sum(x * x for x in a)
    mean = s / n
    # exact integer numerator of the variance: (n * sum(x^2) - sum(x)^2) / n^2
    var = (n * sq - s * s) / (n * n)
    print("%.12f" % mean)
    print("%.12f" % math.sqrt(var))


if __name__ == "__main__":
    main()
