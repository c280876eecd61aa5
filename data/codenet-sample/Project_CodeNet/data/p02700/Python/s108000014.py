n = int(input())
b = sorted(set(map(int, input().split())))
s = ""
k = 0
while k < len(b):
    s += str(b[k]) + " "
    print(s.strip())
