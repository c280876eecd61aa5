n = int(input())
a = [int(input()) for _ in range(n)]
mean = sum(a) / n
print(mean)
print((sum((x - mean) ** 2 for x in a) / n) ** 0.5)
