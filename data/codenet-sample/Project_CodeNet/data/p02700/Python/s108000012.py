n = int(input())
a = list(map(int, input().split()))
for x in sorted(set(a)):
    print(x)
