def sort_count(a):
    n = len(a)
    if n <= 1:
        return a, 0
    mid = n // 2
    left, x = sort_count(a[:mid])
    right, y = sort_count(a[mid:])
    merged = []
    cnt = x + y
    i = j = 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
            cnt += len(left) - i
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged, cnt


n, a, b, m = map(int, input().split())
seq = []
x = b % m
for _ in range(n):
    seq.append(x)
    x = (a * x + b) % m
print(sort_count(seq)[1])
