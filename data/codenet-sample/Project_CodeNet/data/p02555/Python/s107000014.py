import sys

import numpy as np

MOD = 10 ** 9 + 7


def main():
    data = sys.stdin.read().split()
    h, w = int(data[0]), int(data[1])
    free = np.array([[c == "." for c in row] for row in data[2:2 + h]], dtype=bool)
    dp = np.zeros((h, w), dtype=np.int64)
    dp[0, 0] = 1 if free[0, 0] else 0
    # cells on one anti-diagonal only depend on the previous one
    for d in range(1, h + w - 1):
        i = np.arange(max(0, d - w + 1), min(h, d + 1))
        j = d - i
        up = np.where(i > 0, dp[np.maximum(i - 1, 0), j], 0)
        left = np.where(j > 0, dp[i, np.maximum(j - 1, 0)], 0)
        dp[i, j] = np.where(free[i, j], (up + left) % MOD, 0)
    print(int(dp[h - 1, w - 1]))


if __name__ == "__main__":
    main()
