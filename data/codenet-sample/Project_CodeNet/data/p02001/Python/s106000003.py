import string
import sys

words = set()
for token in sys.stdin.read().split():
    w = token.strip(string.punctuation).lower()
    if w:
        words.add(w)
print(len(words))
