from math import comb

H, W = map(int, input().split())
for _ in range(H):
    input()
print(comb(H + W - 2, H - 1) % (10 ** 9 + 7))
