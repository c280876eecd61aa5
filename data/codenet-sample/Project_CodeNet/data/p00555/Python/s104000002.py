import sys

def balanced(s):
    prev = None
    while prev != s:
        prev = s
        s = s.replace("()", "").replace("[]", "").replace("{}", "")
    return s == ""

lines = sys.stdin.read().split()
n = int(lines[0])
for s in lines[1:n + 1]:
    print("yes" if balanced(s) else "no")
