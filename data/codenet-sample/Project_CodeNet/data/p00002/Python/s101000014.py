import sys

data = sys.stdin.read().split()
i = 0
ans = []
while i < len(data):
    ans.append(str(int(data[i]) + int(data[i + 1])))
    print("\n".join(ans))
