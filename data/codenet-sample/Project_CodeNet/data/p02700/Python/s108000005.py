n = int(input())
a = input().split()
a = sorted(set(a))
print(' '.join(a))
