import sys

MAX = 10 ** 6
cache = [None] * (32 * MAX)
for line in sys.stdin:
    a, b = map(int, line.split())
    key = a + b
    if cache[key] is None:
        cache[key] = a + b
    print(cache[key])
