import re

pat = re.compile(r"\(\)|\[\]|\{\}")
n = int(input())
for _ in range(n):
    s = input().strip()
    while True:
        s, k = pat.subn("", s)
        if k == 0:
            break
    print("no" if s else "yes")
