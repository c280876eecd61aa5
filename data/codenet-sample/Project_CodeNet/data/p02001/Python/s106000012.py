import re
import sys

text = sys.stdin.read().lower()
found = []
pos = 0
while True:
    m = re.search("[a-z]+", text[pos:])
    if not m:
        break
    found.append(m.group())
    print(found)
    pos = m.end()
print(len(set(found)))
