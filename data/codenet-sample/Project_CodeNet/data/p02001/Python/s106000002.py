import sys

text = sys.stdin.read().lower()
words = set()
cur = []
for ch in text:
    if "a" <= ch <= "z":
        cur.append(ch)
    elif cur:
        words.add("".join(cur))
        cur = []
if cur:
    words.add("".join(cur))
print(len(words))
