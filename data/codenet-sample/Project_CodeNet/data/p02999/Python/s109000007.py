# count the lattice points (i, j) with i * j <= n: pairs with i < j twice, plus the diagonal
n = int(input())
cnt = 0
i = 1
while i * i <= n:
    cnt += 2 * (n // i - i) + 1
    i += 1
print(cnt)
