import sys


def main():
    input = sys.stdin.readline
    MOD = 10**9 + 7
    h, w = map(int, input().split())
    row = [0] * w
    row[0] = 1
    for _ in range(h):
        s = input().rstrip()
        for j in range(w):
            if s[j] == "#":
                row[j] = 0
            elif j:
                row[j] = (row[j] + row[j - 1]) % MOD
    print(row[-1])


main()
