a = list(map(int, input().split()))
n = int(input())
print(*sorted(set(a)))
