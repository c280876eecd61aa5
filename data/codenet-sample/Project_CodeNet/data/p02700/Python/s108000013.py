from collections import Counter

n = int(input())
cnt = Counter(map(int, input().split()))
for k in sorted(cnt):
    print(k, end=' ')
print()
