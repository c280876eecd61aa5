import sys

while True:
    line = sys.stdin.readline()
    if not line.strip():
        continue
    a, b = map(int, line.split())
    print(a + b)
