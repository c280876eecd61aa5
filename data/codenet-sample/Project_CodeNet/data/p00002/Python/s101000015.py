import sys
print("\n".join(str(sum(map(int, l.split()))) for l in sys.stdin if l.strip()))
