n = int(raw_input())
a = map(int, raw_input().split())
print " ".join(map(str, sorted(set(a))))
