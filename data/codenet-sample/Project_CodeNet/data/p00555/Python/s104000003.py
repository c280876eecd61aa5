n = int(input())
for _ in range(n):
    s = input().strip()
    count = {"(": 0, "[": 0, "{": 0}
    close = {")": "(", "]": "[", "}": "{"}
    ok = True
    for c in s:
        if c in count:
            count[c] += 1
        else:
            count[close[c]] -= 1
            if count[close[c]] < 0:
                ok = False
    if any(count.values()):
        ok = False
    print("yes" if ok else "no")
