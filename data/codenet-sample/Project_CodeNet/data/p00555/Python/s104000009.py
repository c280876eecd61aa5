import sys

# the nesting depth can reach the whole length; reserve the stack up front
stack = [None] * 32000000
pair = {")": "(", "]": "[", "}": "{"}
data = sys.stdin.read().split()
for s in data[1:]:
    top = 0
    ok = True
    for c in s:
        if c in "([{":
            stack[top] = c
            top += 1
        elif top == 0 or stack[top - 1] != pair[c]:
            ok = False
            break
        else:
            top -= 1
    print("yes" if ok and top == 0 else "no")
