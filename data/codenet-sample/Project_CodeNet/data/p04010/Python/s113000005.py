import sys

# bottom-up merge sort, counting inversions while merging
n, a, b, m = map(int, sys.stdin.readline().split())
cur = [0] * n
x = b % m
for i in range(n):
    cur[i] = x
    x = (a * x + b) % m
inv = 0
width = 1
while width < n:
    nxt = []
    for lo in range(0, n, 2 * width):
        left = cur[lo:lo + width]
        right = cur[lo + width:lo + 2 * width]
        i = j = 0
        nl, nr = len(left), len(right)
        while i < nl and j < nr:
            if left[i] <= right[j]:
                nxt.append(left[i])
                i += 1
            else:
                nxt.append(right[j])
                j += 1
                inv += nl - i
        nxt.extend(left[i:])
        nxt.extend(right[j:])
    cur = nxt
    width *= 2
print(inv)
