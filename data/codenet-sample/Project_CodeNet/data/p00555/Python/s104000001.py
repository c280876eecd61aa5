n = int(input())
pairs = {")": "(", "]": "[", "}": "{"}
for _ in range(n):
    s = input().strip()
    stack = []
    ok = True
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif not stack or stack.pop() != pairs[ch]:
            ok = False
            break
    print("yes" if ok and not stack else "no")
