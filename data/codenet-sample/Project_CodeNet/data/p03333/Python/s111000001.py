n = int(input())
a = list(map(int, input().split()))
mean = sum(a) / n
var = sum((x - mean) ** 2 for x in a) / n
print(mean)
print(var ** 0.5)
