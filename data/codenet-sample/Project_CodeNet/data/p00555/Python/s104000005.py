n = int(input())
for _ in range(n):
    s = input().strip()
    opens = sum(s.count(c) for c in "([{")
    print("yes" if opens * 2 == len(s) else "no")
