import re
import sys

# words of up to 5 letters get a slot in a flat table (27 ** 5 < 4.8e7), longer ones go to a set
table = [False] * 48_000_000
long_words = set()
count = 0
for w in re.findall("[a-z]+", sys.stdin.read().lower()):
    if len(w) <= 5:
        code = 0
        for ch in w:
            code = code * 27 + (ord(ch) - 96)
        if not table[code]:
            table[code] = True
            count += 1
    elif w not in long_words:
        long_words.add(w)
        count += 1
print(count)
