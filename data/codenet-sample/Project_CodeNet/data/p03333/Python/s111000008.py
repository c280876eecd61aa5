import statistics

n = int(input())
a = list(map(int, input().split()))
print(statistics.mean(a))
print(statistics.stdev(a))
