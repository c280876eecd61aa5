# counting sort for the small values, a set for the rest
SIZE = 6 * 10 ** 7
n = int(input())
a = list(map(int, input().split()))
seen = [False] * SIZE
small = []
big = set()
for v in a:
    if v < SIZE:
        if not seen[v]:
            seen[v] = True
            small.append(v)
    else:
        big.add(v)
print(*(sorted(small) + sorted(big)))
