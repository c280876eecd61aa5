n = int(input())
a = sorted(map(int, input().split()), reverse=True)
total = a[0]
for x in a[1:]:
    if x > 0:
        total += x
print(total)
