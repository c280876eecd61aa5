n = int(input())
match = {")": "(", "]": "[", "}": "{"}
for _ in range(n):
    stack = []
    ok = True
    for c in input().strip():
        if c in "([{":
            stack.append(c)
        elif stack.pop() != match[c]:
            ok = False
            break
    print("yes" if ok and not stack else "no")
