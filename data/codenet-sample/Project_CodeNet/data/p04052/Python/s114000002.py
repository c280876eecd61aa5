import sys

MOD = 10 ** 9 + 7


def count_ways(x, coins):
    # ways[i][v]: ways to pay v with the first i coins
    ways = [[0] * (x + 1) for _ in range(len(coins) + 1)]
    ways[0][0] = 1
    for i, c in enumerate(coins, 1):
        prev, cur = ways[i - 1], ways[i]
        for v in range(x + 1):
            cur[v] = prev[v]
            if v >= c:
                cur[v] = (cur[v] + cur[v - c]) % MOD
    return ways[-1][x]


def main():
    data = sys.stdin.read().split()
    n, x = int(data[0]), int(data[1])
    coins = [int(t) for t in data[2:2 + n]]
    print(count_ways(x, coins))


if __name__ == "__main__":
    main()
